'use strict';
// Live Seawall status: polls /seawall/status with the bearer token every 2 s for the numbers, and draws every chart
// from the server's five minutes of history in 5 s slots — rates, gauges and breaker states from /seawall/history,
// latency from /seawall/latency — so a reloaded page shows the past at once. Scenario buttons change the simulated
// payment provider (/seawall/admin/provider) and the catalog's database (/seawall/admin/catalog). No library, no
// network beyond this server.
const COLORS = { ok: '#2e8b57', bad: '#c0392b', blue: '#1f6fb2', amber: '#d68910', pale: '#e6a5a0',
  violet: '#7d3c98', grey: '#8a99a8' };

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function row(label, value) {
  const r = el('div', 'row');
  r.append(el('span', '', label), el('span', 'num', String(value)));
  return r;
}

function legend(items) {
  const l = el('div', 'legend');
  items.forEach(([color, text]) => { const b = el('b'); b.style.background = color; l.append(b, text); });
  return l;
}

function clock(ms) {
  const d = new Date(ms);
  return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
}

// the smallest of 1, 2, 2.5, 5 x 10^k at or above v: axis labels read 0, half and top
function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  return [1, 2, 2.5, 5, 10].map(m => m * p).find(t => t >= v - 1e-9);
}

function number(v) {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1).replace(/\.0$/, '') : v.toFixed(2).replace(/\.?0+$/, '');
}

// A time chart over the server's slots: `span` is {slotSeconds, slots, endMillis}; each line {values, color}
// holds one value per slot (null = not measured, drawn as a gap). The x axis has a labelled tick per minute
// (local time, HH:MM), the y axis its top value and unit. data-* attributes let a browser test read what is drawn.
function timeChart(span, lines, unit, minTop) {
  const W = 600, H = 140, L = 72, R = 10, T = 12, B = 30;
  const c = el('canvas', 'time-chart');
  c.width = W; c.height = H;
  const g = c.getContext('2d');
  const n = span.slots;
  const slotMs = span.slotSeconds * 1000;
  const start = span.endMillis - n * slotMs;
  const values = lines.flatMap(l => l.values.filter(v => v !== null && v !== undefined));
  const top = niceCeil(Math.max(minTop || 1, ...values));
  const x = i => L + (i + 0.5) * (W - L - R) / n;
  const xAt = ms => L + (ms - start) / (n * slotMs) * (W - L - R);
  const y = v => H - B - (v / top) * (H - B - T);
  g.font = '20px sans-serif'; g.fillStyle = '#5b6b7b'; g.strokeStyle = '#dfe5eb'; g.lineWidth = 1;
  // y axis: 0, half and top, with the unit
  [0, top / 2, top].forEach(v => {
    g.beginPath(); g.moveTo(L, y(v)); g.lineTo(W - R, y(v)); g.stroke();
    g.textAlign = 'right'; g.textBaseline = 'middle';
    g.fillText(number(v), L - 6, Math.max(T + 8, y(v)));
  });
  g.textAlign = 'left'; g.textBaseline = 'top'; g.fillText(unit, L + 6, T + 2);
  // x axis: a tick per whole minute
  const ticks = [];
  for (let t = Math.ceil(start / 60000) * 60000; t <= span.endMillis; t += 60000) {
    const px = xAt(t);
    g.strokeStyle = '#c9d2db'; g.beginPath(); g.moveTo(px, H - B); g.lineTo(px, H - B + 4); g.stroke();
    g.textAlign = 'center'; g.textBaseline = 'top'; g.fillText(clock(t), Math.min(Math.max(px, L + 26), W - 28), H - B + 5);
    ticks.push(clock(t));
  }
  g.strokeStyle = '#9aa8b6'; g.beginPath(); g.moveTo(L, T); g.lineTo(L, H - B); g.lineTo(W - R, H - B); g.stroke();
  lines.forEach(l => {
    g.strokeStyle = l.color; g.fillStyle = l.color; g.lineWidth = 2; g.beginPath();
    let drawing = false;
    l.values.forEach((v, i) => {
      if (v === null || v === undefined) { drawing = false; return; }
      if (drawing) g.lineTo(x(i), y(v)); else { g.moveTo(x(i), y(v)); g.fillRect(x(i) - 1, y(v) - 1, 3, 3); }
      drawing = true;
    });
    g.stroke();
  });
  c.dataset.ticks = ticks.join(' ');
  c.dataset.start = String(start);
  c.dataset.end = String(span.endMillis);
  c.dataset.unit = unit;
  c.dataset.samples = String(Math.max(0, ...lines.map(l => l.values.filter(v => v !== null && v !== undefined).length)));
  c.dataset.total = String(values.reduce((a, b) => a + b, 0));
  return c;
}

// The breaker's states per slot as a strip with the same time axis: a slot that saw several states is split.
const STATE_BITS = [[1, COLORS.ok, 'closed'], [4, COLORS.amber, 'half-open'], [2, COLORS.bad, 'open']];
function stateStrip(span, bits) {
  const W = 600, H = 56, L = 72, R = 10, B = 26;
  const c = el('canvas', 'state-strip');
  c.width = W; c.height = H;
  const g = c.getContext('2d');
  const n = span.slots;
  const w = (W - L - R) / n;
  const seen = new Set();
  bits.forEach((b, i) => {
    if (b === null || b === undefined) return;
    const parts = STATE_BITS.filter(([bit]) => b & bit);
    parts.forEach(([bit, color, name], k) => {
      seen.add(name);
      g.fillStyle = color;
      const h = (H - B) / parts.length;
      g.fillRect(L + i * w, k * h, w + 0.5, h);
    });
  });
  g.font = '20px sans-serif'; g.fillStyle = '#5b6b7b'; g.textAlign = 'center'; g.textBaseline = 'top';
  const slotMs = span.slotSeconds * 1000;
  const start = span.endMillis - n * slotMs;
  const ticks = [];
  for (let t = Math.ceil(start / 60000) * 60000; t <= span.endMillis; t += 60000) {
    const px = L + (t - start) / (n * slotMs) * (W - L - R);
    g.fillRect(px, H - B, 1, 4);
    g.fillText(clock(t), Math.min(Math.max(px, L + 26), W - 28), H - B + 4);
    ticks.push(clock(t));
  }
  c.dataset.ticks = ticks.join(' ');
  c.dataset.states = [...seen].join(' ');
  return c;
}

// history: the /seawall/history answer, or null while it cannot be read
function series(history, kind, name) {
  const s = history && history[kind] && history[kind][name];
  return s || new Array(history ? history.slots : 60).fill(null);
}

function win(history) {
  return history || { slots: 60, slotSeconds: 5, endMillis: Date.now() };
}

function rateChart(history, items, minTop) {
  const box = el('div', 'chart');
  box.append(timeChart(win(history), items.map(([name, color]) => ({ values: series(history, 'rates', name), color })),
    '/s', minTop), legend(items.map(([, color, label]) => [color, label + '/s'])));
  return box;
}

function limitsBox(box, p, s, history) {
  for (const l of s.limits) {
    const k = p.name + '/limit/' + l.name;
    box.append(row(l.name + ' (' + l.by + ', ' + l.rates.join(' + ') + (l.shadow ? ', shadow' : '') + ')',
      l.trackedKeys + ' keys'),
      row('admitted / rejected / no key / invalid', l.admitted + ' / ' + l.rejected + ' / ' + l.missing + ' / ' + l.invalid));
    const lines = [[k + '/admitted', COLORS.ok, 'admitted'], [k + '/refused', COLORS.bad, 'refused']];
    if (l.shadow) {
      box.append(row('would have refused (shadow)', l.wouldReject));
      lines.push([k + '/would-reject', COLORS.violet, 'would-reject']);
    }
    box.append(rateChart(history, lines));
  }
}

function throttleBox(box, p, s, history) {
  const k = p.name + '/throttle/';
  box.append(row('in flight (' + (s.adaptive ? 'adaptive limit ' : 'max ') + s.maxConcurrent
      + (s.mode === 'shadow' ? ', shadow' : '') + ')', s.inFlight),
    row('queued (max ' + s.queue + ')', s.queued));
  if (s.adaptive) {
    const ms = v => v == null ? 'unknown' : v.toFixed(1) + ' ms';
    box.append(row('latency no-load / recent', ms(s.noLoadLatencyMillis) + ' / ' + ms(s.recentLatencyMillis)),
      row('drops', s.drops));
  }
  if (s.mode === 'shadow') box.append(row('would have refused', s.wouldReject));
  if (s.criticality) {
    box.append(row('reserved for critical', s.reserved));
    for (const [cls, c] of Object.entries(s.criticality)) {
      box.append(row(cls + ': shed level / refused', c.shedLevel + ' / ' + c.refused));
    }
  }
  const gauges = [[k + 'in-flight', COLORS.blue, 'in flight'], [k + 'queued', COLORS.amber, 'queued']];
  if (s.adaptive) gauges.push([k + 'limit', COLORS.grey, 'limit']);
  const chart = el('div', 'chart');
  chart.append(timeChart(win(history), gauges.map(([name, color]) => ({ values: series(history, 'gauges', name), color })),
    'req', s.adaptive ? 1 : s.maxConcurrent), legend(gauges.map(([, color, label]) => [color, label + ' (highest per 5 s)'])));
  box.append(chart, rateChart(history, [[k + 'refused', COLORS.bad, 'refused (503)']]));
}

function breakerBox(box, p, s, history) {
  const st = el('span', 'state breaker-state ' + s.state, s.state);
  st.dataset.state = s.state;
  const r = el('div', 'row');
  r.append(el('span', '', 'breaker ' + s.breaker + (s.shadow ? ' (shadow)' : '')), st);
  const actions = el('div', 'row');
  for (const action of ['open', 'close']) {
    const b = el('button', '', action === 'open' ? 'Force open' : 'Close');
    b.addEventListener('click', () => admin(s.breaker, action));
    actions.append(b);
  }
  const k = 'breaker/' + s.breaker + '/';
  box.append(r, row('failure rate', s.failureRate == null ? 'not measured while forced open'
    : s.failureRate < 0 ? 'not enough calls' : s.failureRate.toFixed(1) + ' %'),
    stateStrip(win(history), series(history, 'states', k + 'state')),
    legend(STATE_BITS.map(([, color, name]) => [color, name])),
    rateChart(history, [[k + 'failures', COLORS.bad, 'failures'], [k + 'not-permitted', COLORS.amber, 'not permitted (open)']]),
    actions);
}

function renderStage(card, p, s, history) {
  const box = el('div', 'stage');
  box.dataset.kind = s.kind;
  box.append(el('h3', '', s.kind));
  if (s.kind === 'rate-limits') {
    limitsBox(box, p, s, history);
  } else if (s.kind === 'throttle') {
    throttleBox(box, p, s, history);
  } else if (s.kind === 'circuit-breaker') {
    breakerBox(box, p, s, history);
  } else if (s.kind === 'timeout') {
    box.append(row('deadline', s.afterMillis + ' ms, then ' + s.status),
      row('answered at the deadline', s.answered),
      row('overran (already streaming)', s.overran),
      rateChart(history, [[p.name + '/timeout/answered', COLORS.bad, 'answered at the deadline']]));
  } else if (s.kind === 'fallback') {
    box.append(row('on', s.on.join(', ') + (s.failClosed ? ' (fail-closed)' : '')),
      row('served from cache', s.servedFromCache),
      row('served static / handler', s.servedFallback),
      row('unanswered', s.unanswered));
    if (s.cachedCopies !== undefined) box.append(row('cache entries', s.cachedCopies + ' (' + s.cachedBytes + ' bytes)'));
    box.append(rateChart(history, [[p.name + '/fallback/cache', COLORS.blue, 'stale copy'],
      [p.name + '/fallback/static', COLORS.amber, 'static']]));
  }
  card.append(box);
}

function extrasBoxes(card, p, history) {
  if (p.exempt) {
    const box = el('div', 'stage');
    box.dataset.kind = 'exempt';
    box.append(el('h3', '', 'exempt'),
      row('by path / role / network', p.exempt.path + ' / ' + p.exempt.role + ' / ' + p.exempt.network),
      rateChart(history, [[p.name + '/exempt', COLORS.ok, 'exempt']]));
    card.append(box);
  }
  if (p.idempotency) {
    const i = p.idempotency;
    const box = el('div', 'stage');
    box.dataset.kind = 'idempotency';
    box.append(el('h3', '', 'idempotency'),
      row('keys in ' + i.store + (i.storeDown ? ' (down)' : ''), i.localEntries),
      row('first / replayed / in progress / mismatch', i.first + ' / ' + i.replayed + ' / ' + i.inProgress + ' / ' + i.mismatch),
      rateChart(history, [[p.name + '/idempotency/first', COLORS.ok, 'first'],
        [p.name + '/idempotency/replayed', COLORS.blue, 'replayed']]));
    card.append(box);
  }
}

function latencyBox(l, latency) {
  const box = el('div', 'stage latency');
  box.dataset.kind = 'latency';
  box.append(el('h3', '', 'latency (client-seen)'));
  const last = [...l.count.keys()].reverse().find(i => l.count[i] > 0);
  const chart = timeChart(latency, [{ values: l.max, color: COLORS.pale }, { values: l.p95, color: COLORS.amber },
    { values: l.p50, color: COLORS.blue }], 'ms');
  chart.classList.add('latency-chart');
  chart.dataset.calls = String(l.calls);
  box.append(row('last 5 s: calls / median / p95 / max', last === undefined ? 'no calls in 5 min'
      : l.count[last] + ' / ' + l.p50[last] + ' / ' + l.p95[last] + ' / ' + l.max[last] + ' ms'),
    chart, legend([[COLORS.blue, 'median'], [COLORS.amber, 'p95'], [COLORS.pale, 'max'], ['transparent', 'per 5 s']]));
  return box;
}

function renderConfig(status) {
  const c = status.config;
  if (!c) return;
  document.getElementById('config-source').textContent = c.source + (status.store ? ' (buckets: ' + status.store + ')' : '');
  document.getElementById('config-loaded').textContent = new Date(c.loadedAt).toLocaleTimeString();
  document.getElementById('config-reloads').textContent = c.reloads.applied + ' applied, ' + c.reloads.refused + ' refused';
  document.getElementById('config-watch').textContent = c.watching ? '(file watched)' : '(not watched)';
  document.getElementById('config-error').textContent = c.lastError ? 'Last reload refused: ' + c.lastError : '';
}

async function reloadConfig() {
  const r = await fetch('status?action=reload', { method: 'POST', headers: auth() });
  if (r.ok) {
    message('configuration ' + (r.headers.get('X-Seawall-Reload') || 'reloaded'));
  } else {
    const problem = await r.json().catch(() => ({}));
    message('reload refused (' + r.status + ')');
    document.getElementById('config-error').textContent = problem.detail || '';
  }
  poll();
}

function render(status, latency, history) {
  document.getElementById('source').textContent = 'from ' + status.source;
  renderConfig(status);
  const main = document.getElementById('policies');
  main.replaceChildren();
  for (const p of status.policies) {
    const card = el('section', 'card');
    card.dataset.policy = p.name;
    card.append(el('h2', '', p.name),
      el('div', 'paths', p.origin === 'annotations' ? 'JAX-RS annotations on the resource method'
        : p.paths.join(' ') + (p.methods.length ? '  (' + p.methods.join(', ') + ')' : '')));
    if (history && history.rates[p.name + '/requests']) {
      const box = el('div', 'stage');
      box.dataset.kind = 'requests';
      box.append(el('h3', '', 'requests'), rateChart(history, [[p.name + '/requests', COLORS.grey, 'requests']]));
      card.append(box);
    }
    for (const s of p.stages) renderStage(card, p, s, history);
    extrasBoxes(card, p, history);
    const l = latency && latency.policies.find(x => x.policy === p.name);
    if (l) card.append(latencyBox(l, latency));
    main.append(card);
  }
}

async function admin(breaker, action) {
  const r = await fetch('status?breaker=' + encodeURIComponent(breaker) + '&action=' + action,
    { method: 'POST', headers: auth() });
  message(r.ok ? '' : 'action refused (' + r.status + ')');
  poll();
}

// The token in use: the one every request sends, and the one the token field shows.
function token() {
  return sessionStorage.getItem('seawall-token') || '';
}

function useToken(t) {
  sessionStorage.setItem('seawall-token', t);
  document.getElementById('token').value = t;
}

function auth() {
  return { Authorization: 'Bearer ' + token() };
}

function message(text) {
  document.getElementById('message').textContent = text;
}

// the latency, history and scenario panels are extras: when they fail, the status still renders
async function optionalJson(url) {
  try {
    const r = await fetch(url, { headers: auth(), cache: 'no-store' });
    return r.ok ? await r.json() : null;
  } catch (e) {
    return null;
  }
}

function showProvider(p) {
  if (!p) return;
  document.getElementById('provider').textContent = p.mode === 'auto'
    ? 'scripted (' + p.phase + ' now: ' + p.script + ')'
    : 'manual: fails ' + Math.round(p.failure * 100) + ' % of calls, +' + p.latencyMillis + ' ms';
  document.getElementById('provider-calls').textContent = p.calls + ' calls, ' + p.failures + ' failed';
}

function showCatalog(c) {
  if (!c) return;
  const b = document.getElementById('catalog');
  b.textContent = c.down ? 'down (' + c.failed + ' failed requests so far)' : 'up';
  b.dataset.down = String(c.down);
}

async function poll() {
  try {
    const [r, latency, history, provider, catalog] = await Promise.all([
      fetch('status', { headers: auth(), cache: 'no-store' }), optionalJson('latency'), optionalJson('history'),
      optionalJson('admin/provider'), optionalJson('admin/catalog')]);
    if (r.status === 401) {
      message(token() ? 'token refused' : 'enter the token the demo printed at start');
    } else if (r.ok) {
      message('');
      render(await r.json(), latency, history);
      showProvider(provider);
      showCatalog(catalog);
    } else {
      message('status answered ' + r.status);
    }
  } catch (e) {
    message('server unreachable');
  }
}

// Scenarios: what each button asks of the simulated provider (POST /seawall/admin/provider).
const SCENARIOS = {
  fail60: 'failure=0.6&latency=0ms',
  down: 'failure=1&latency=0ms',
  slow: 'failure=0&latency=1500ms',
  healthy: 'failure=0&latency=0ms',
  reset: 'mode=auto',
};

async function scenario(name) {
  const r = await fetch('admin/provider?' + SCENARIOS[name], { method: 'POST', headers: auth() });
  message(r.ok ? '' : 'scenario refused (' + r.status + ')');
  if (r.ok) {
    showProvider(await r.json());
    // a breaker judges calls: without traffic nothing would change, so send some (unless resetting)
    if (name !== 'reset') startTraffic(60);
  }
  poll();
}

// The stale-copy scenario: one catalog read while the database is up (the pro key's caller gets a copy kept), the
// database down, the same read again: Seawall answers with that copy (X-Data-Source: cache, Age).
const PRO_KEY = { 'X-API-Key': 'demo-pro-key' };

async function catalogRead() {
  const r = await fetch('../api/catalog', { headers: PRO_KEY, cache: 'no-store' });
  return r.status + ', X-Data-Source: ' + (r.headers.get('X-Data-Source') || '-')
    + (r.headers.get('Age') !== null ? ', Age: ' + r.headers.get('Age') + ' s' : '');
}

async function catalogDown(down) {
  const result = document.getElementById('stale-result');
  try {
    const before = down ? await catalogRead() : null;
    const r = await fetch('admin/catalog?down=' + down, { method: 'POST', headers: auth() });
    if (!r.ok) { message('scenario refused (' + r.status + ')'); return; }
    showCatalog(await r.json());
    const after = await catalogRead();
    result.textContent = down
      ? 'GET /api/catalog (X-API-Key: demo-pro-key) before: ' + before + '; with the database down: ' + after
      : 'database up again: ' + after;
  } catch (e) {
    result.textContent = 'server unreachable';
  }
  poll();
}

// One payment request every 250 ms, one at a time, for a bounded time; counts what the client got.
const traffic = { until: 0, running: false, live: 0, fallback: 0, other: 0 };

function showTraffic() {
  const active = Date.now() < traffic.until;
  document.getElementById('traffic-toggle').textContent = active ? 'Stop traffic' : 'Send payment traffic';
  document.getElementById('traffic').textContent = (active ? 'sending: ' : 'sent: ') + traffic.live + ' live, '
    + traffic.fallback + ' fallback, ' + traffic.other + ' other';
}

async function startTraffic(seconds) {
  traffic.until = Date.now() + seconds * 1000;
  showTraffic();
  if (traffic.running) return;
  traffic.running = true;
  try {
    while (Date.now() < traffic.until) {
      try {
        const r = await fetch('../api/payments', { cache: 'no-store' });
        const source = r.headers.get('X-Data-Source');
        if (source === 'live') traffic.live++; else if (source === 'fallback') traffic.fallback++; else traffic.other++;
      } catch (e) {
        traffic.other++;
      }
      showTraffic();
      await new Promise(resolve => setTimeout(resolve, 250));
    }
  } finally {
    traffic.running = false;
    showTraffic();
  }
}

document.getElementById('config-reload').addEventListener('click', reloadConfig);
document.querySelectorAll('[data-scenario]').forEach(b =>
  b.addEventListener('click', () => scenario(b.dataset.scenario)));
document.getElementById('scenario-catalog-down').addEventListener('click', () => catalogDown(true));
document.getElementById('scenario-catalog-up').addEventListener('click', () => catalogDown(false));
document.getElementById('traffic-toggle').addEventListener('click', () => {
  if (Date.now() < traffic.until) { traffic.until = 0; showTraffic(); } else startTraffic(60);
});
document.getElementById('token-show').addEventListener('change', e => {
  document.getElementById('token').type = e.target.checked ? 'text' : 'password';
});

document.getElementById('login').addEventListener('submit', e => {
  e.preventDefault();
  useToken(document.getElementById('token').value.trim());
  poll();
});
const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) {
  window.history.replaceState(null, '', location.pathname); // keep the token out of the address bar
}
// the field shows the token in use: from the address, else the one this tab used before
useToken(fromHash || token());
poll();
setInterval(poll, 2000);
