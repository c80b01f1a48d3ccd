'use strict';
// Live Seawall status: polls /seawall/status with the bearer token, derives per-second rates from counter
// deltas and keeps five minutes of history per series. Latency comes from the demo's /seawall/latency (five
// minutes of 5 s slots kept by the server, so it is there as soon as the page opens); scenario buttons
// change the simulated payment provider through /seawall/admin/provider. No library, no network beyond
// this server.
const HISTORY = 150;            // 150 samples x 2 s = 5 minutes
const series = new Map();       // series name -> array of numbers
let previous = null;
let previousAt = 0;

function push(name, value) {
  let h = series.get(name);
  if (!h) { h = []; series.set(name, h); }
  h.push(value);
  if (h.length > HISTORY) h.shift();
  return h;
}

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

function chart(lines, colors, max) {
  const c = el('canvas');
  c.width = 600; c.height = 90;
  const g = c.getContext('2d');
  const top = Math.max(max || 0, 1, ...lines.flatMap(s => s));
  lines.forEach((s, k) => {
    g.strokeStyle = colors[k]; g.lineWidth = 2; g.beginPath();
    s.forEach((v, i) => {
      const x = (HISTORY - s.length + i) * (c.width / (HISTORY - 1));
      const y = c.height - 4 - (v / top) * (c.height - 10);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  });
  g.fillStyle = '#5b6b7b'; g.font = '18px sans-serif'; g.fillText(top.toFixed(top < 10 ? 1 : 0), 4, 18);
  return c;
}

function legend(items) {
  const l = el('div', 'legend');
  items.forEach(([color, text]) => { const b = el('b'); b.style.background = color; l.append(b, text); });
  return l;
}

function stateStrip(states) {
  const c = el('canvas');
  c.width = 600; c.height = 16; c.style.height = '12px';
  const g = c.getContext('2d');
  const colors = { CLOSED: '#2e8b57', OPEN: '#c0392b', FORCED_OPEN: '#c0392b', HALF_OPEN: '#d68910' };
  states.forEach((s, i) => {
    g.fillStyle = colors[s] || '#999';
    const w = c.width / (HISTORY - 1);
    g.fillRect((HISTORY - states.length + i) * w, 0, w + 1, c.height);
  });
  return c;
}

// A latency chart from the server's slots: median, 95th percentile and maximum in ms; empty slots are gaps.
// data-samples (slots with calls) and data-calls let a browser test see that the chart has data.
function latencyChart(l) {
  const c = el('canvas', 'latency-chart');
  c.width = 600; c.height = 90;
  const g = c.getContext('2d');
  const values = [...l.p50, ...l.p95, ...l.max].filter(v => v !== null);
  const top = Math.max(1, ...values);
  const w = c.width / Math.max(1, l.max.length - 1);
  [[l.max, '#e6a5a0'], [l.p95, '#d68910'], [l.p50, '#1f6fb2']].forEach(([s, color]) => {
    g.strokeStyle = color; g.fillStyle = color; g.lineWidth = 2; g.beginPath();
    let drawing = false;
    s.forEach((v, i) => {
      if (v === null) { drawing = false; return; }
      const x = i * w;
      const y = c.height - 4 - (v / top) * (c.height - 10);
      if (drawing) g.lineTo(x, y); else { g.moveTo(x, y); g.fillRect(x - 1, y - 1, 3, 3); }
      drawing = true;
    });
    g.stroke();
  });
  g.fillStyle = '#5b6b7b'; g.font = '18px sans-serif'; g.fillText(top.toFixed(top < 10 ? 1 : 0) + ' ms', 4, 18);
  c.dataset.samples = String(l.count.filter(n => n > 0).length);
  c.dataset.calls = String(l.calls);
  return c;
}

function latencyBox(l) {
  const box = el('div', 'stage latency');
  box.append(el('h3', '', 'latency (client-seen)'));
  const last = [...l.count.keys()].reverse().find(i => l.count[i] > 0);
  box.append(row('last 5 s: calls / median / p95 / max', last === undefined ? 'no calls in 5 min'
      : l.count[last] + ' / ' + l.p50[last] + ' / ' + l.p95[last] + ' / ' + l.max[last] + ' ms'),
    latencyChart(l),
    legend([['#1f6fb2', 'median'], ['#d68910', 'p95'], ['#e6a5a0', 'max'], ['transparent', 'per 5 s, ms']]));
  return box;
}

function rate(key, now, value) {
  if (!previous || previous[key] === undefined) return 0;
  const seconds = Math.max(0.5, (now - previousAt) / 1000);
  return Math.max(0, (value - previous[key]) / seconds);
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
    document.getElementById('message').textContent = 'configuration ' + (r.headers.get('X-Seawall-Reload') || 'reloaded');
  } else {
    const problem = await r.json().catch(() => ({}));
    document.getElementById('message').textContent = 'reload refused (' + r.status + ')';
    document.getElementById('config-error').textContent = problem.detail || '';
  }
  poll();
}

function render(status, latency, now) {
  document.getElementById('source').textContent = 'from ' + status.source;
  renderConfig(status);
  const counters = {};
  const main = document.getElementById('policies');
  main.replaceChildren();
  for (const p of status.policies) {
    const card = el('section', 'card');
    card.dataset.policy = p.name;
    card.append(el('h2', '', p.name),
      el('div', 'paths', p.origin === 'annotations' ? 'JAX-RS annotations on the resource method'
        : p.paths.join(' ') + (p.methods.length ? '  (' + p.methods.join(', ') + ')' : '')));
    for (const s of p.stages) {
      const box = el('div', 'stage');
      box.append(el('h3', '', s.kind));
      const id = p.name + '/' + s.kind;
      if (s.kind === 'rate-limits') {
        for (const l of s.limits) {
          const k = id + '/' + l.name;
          const refused = l.rejected + l.missing + l.invalid;
          counters[k + '/admitted'] = l.admitted;
          counters[k + '/refused'] = refused;
          const a = push(k + '/admitted', rate(k + '/admitted', now, l.admitted));
          const r = push(k + '/refused', rate(k + '/refused', now, refused));
          box.append(row(l.name + ' (' + l.by + ', ' + l.rates.join(' + ') + ')', l.trackedKeys + ' keys'),
            row('admitted / rejected / no key / invalid',
              l.admitted + ' / ' + l.rejected + ' / ' + l.missing + ' / ' + l.invalid),
            chart([a, r], ['#2e8b57', '#c0392b']),
            legend([['#2e8b57', 'admitted/s'], ['#c0392b', 'refused/s']]));
        }
      } else if (s.kind === 'throttle') {
        const inFlight = push(id + '/inFlight', s.inFlight);
        const queued = push(id + '/queued', s.queued);
        box.append(row('in flight (' + (s.adaptive ? 'adaptive limit ' : 'max ') + s.maxConcurrent
            + (s.mode === 'shadow' ? ', shadow' : '') + ')', s.inFlight),
          row('queued (max ' + s.queue + ')', s.queued),
          chart([inFlight, queued], ['#1f6fb2', '#d68910'], s.maxConcurrent),
          legend([['#1f6fb2', 'in flight'], ['#d68910', 'queued']]));
        if (s.adaptive) {
          const ms = v => v == null ? 'unknown' : v.toFixed(1) + ' ms';
          box.append(row('latency no-load / recent', ms(s.noLoadLatencyMillis) + ' / ' + ms(s.recentLatencyMillis)),
            row('drops', s.drops));
        }
        if (s.mode === 'shadow') {
          box.append(row('would have refused', s.wouldReject));
        }
        if (s.criticality) {
          box.append(row('reserved for critical', s.reserved));
          for (const [cls, c] of Object.entries(s.criticality)) {
            box.append(row(cls + ': shed level / refused', c.shedLevel + ' / ' + c.refused));
          }
        }
      } else if (s.kind === 'circuit-breaker') {
        const states = push(id + '/state', s.state);
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
        box.append(r, row('failure rate', s.failureRate == null ? 'not measured while forced open'
          : s.failureRate < 0 ? 'not enough calls' : s.failureRate.toFixed(1) + ' %'),
          stateStrip(states), legend([['#2e8b57', 'closed'], ['#d68910', 'half-open'], ['#c0392b', 'open']]), actions);
      } else if (s.kind === 'timeout') {
        box.append(row('deadline', s.afterMillis + ' ms, then ' + s.status),
          row('answered at the deadline', s.answered),
          row('overran (already streaming)', s.overran));
      } else if (s.kind === 'fallback') {
        box.append(row('on', s.on.join(', ') + (s.failClosed ? ' (fail-closed)' : '')),
          row('served from cache', s.servedFromCache),
          row('served static / handler', s.servedFallback),
          row('unanswered', s.unanswered));
        if (s.cachedCopies !== undefined) {
          box.append(row('cache entries', s.cachedCopies + ' (' + s.cachedBytes + ' bytes)'));
        }
      }
      card.append(box);
    }
    const l = latency && latency.policies.find(x => x.policy === p.name);
    if (l) card.append(latencyBox(l));
    main.append(card);
  }
  previous = counters;
  previousAt = now;
}

async function admin(breaker, action) {
  const r = await fetch('status?breaker=' + encodeURIComponent(breaker) + '&action=' + action,
    { method: 'POST', headers: auth() });
  document.getElementById('message').textContent = r.ok ? '' : 'action refused (' + r.status + ')';
  poll();
}

function auth() {
  return { Authorization: 'Bearer ' + (sessionStorage.getItem('seawall-token') || '') };
}

// the latency and provider panels are extras: when they fail, the status still renders
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

async function poll() {
  const token = sessionStorage.getItem('seawall-token') || '';
  const message = document.getElementById('message');
  try {
    const [r, latency, provider] = await Promise.all([
      fetch('status', { headers: auth(), cache: 'no-store' }), optionalJson('latency'), optionalJson('admin/provider')]);
    if (r.status === 401) {
      message.textContent = token ? 'token refused' : 'enter the token the demo printed at start';
    } else if (r.ok) {
      message.textContent = '';
      render(await r.json(), latency, Date.now());
      showProvider(provider);
    } else {
      message.textContent = 'status answered ' + r.status;
    }
  } catch (e) {
    message.textContent = 'server unreachable';
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
  document.getElementById('message').textContent = r.ok ? '' : 'scenario refused (' + r.status + ')';
  if (r.ok) {
    showProvider(await r.json());
    // a breaker judges calls: without traffic nothing would change, so send some (unless resetting)
    if (name !== 'reset') startTraffic(60);
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
document.getElementById('traffic-toggle').addEventListener('click', () => {
  if (Date.now() < traffic.until) { traffic.until = 0; showTraffic(); } else startTraffic(60);
});

document.getElementById('login').addEventListener('submit', e => {
  e.preventDefault();
  sessionStorage.setItem('seawall-token', document.getElementById('token').value.trim());
  poll();
});
const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) {
  sessionStorage.setItem('seawall-token', fromHash);
  window.history.replaceState(null, '', location.pathname); // keep the token out of the address bar
}
poll();
setInterval(poll, 2000);
