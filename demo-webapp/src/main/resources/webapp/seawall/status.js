'use strict';
// Live Seawall status: polls /seawall/status with the bearer token, derives per-second rates from counter
// deltas and keeps five minutes of history per series. No library, no network beyond this server.
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

function rate(key, now, value) {
  if (!previous || previous[key] === undefined) return 0;
  const seconds = Math.max(0.5, (now - previousAt) / 1000);
  return Math.max(0, (value - previous[key]) / seconds);
}

function render(status, now) {
  document.getElementById('source').textContent = 'from ' + status.source;
  const counters = {};
  const main = document.getElementById('policies');
  main.replaceChildren();
  for (const p of status.policies) {
    const card = el('section', 'card');
    card.append(el('h2', '', p.name),
      el('div', 'paths', p.paths.join(' ') + (p.methods.length ? '  (' + p.methods.join(', ') + ')' : '')));
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
        box.append(row('in flight (max ' + s.maxConcurrent + ')', s.inFlight),
          row('queued (max ' + s.queue + ')', s.queued),
          chart([inFlight, queued], ['#1f6fb2', '#d68910'], s.maxConcurrent),
          legend([['#1f6fb2', 'in flight'], ['#d68910', 'queued']]));
      } else if (s.kind === 'circuit-breaker') {
        const states = push(id + '/state', s.state);
        const st = el('span', 'state ' + s.state, s.state);
        const r = el('div', 'row');
        r.append(el('span', '', 'breaker ' + s.breaker + (s.shadow ? ' (shadow)' : '')), st);
        const actions = el('div', 'row');
        for (const action of ['open', 'close']) {
          const b = el('button', '', action === 'open' ? 'Force open' : 'Close');
          b.addEventListener('click', () => admin(s.breaker, action));
          actions.append(b);
        }
        box.append(r, row('failure rate', s.failureRate < 0 ? 'not enough calls' : s.failureRate.toFixed(1) + ' %'),
          stateStrip(states), legend([['#2e8b57', 'closed'], ['#d68910', 'half-open'], ['#c0392b', 'open']]), actions);
      }
      card.append(box);
    }
    main.append(card);
  }
  previous = counters;
  previousAt = now;
}

async function admin(breaker, action) {
  const token = sessionStorage.getItem('seawall-token') || '';
  const r = await fetch('status?breaker=' + encodeURIComponent(breaker) + '&action=' + action,
    { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
  document.getElementById('message').textContent = r.ok ? '' : 'action refused (' + r.status + ')';
  poll();
}

async function poll() {
  const token = sessionStorage.getItem('seawall-token') || '';
  const message = document.getElementById('message');
  try {
    const r = await fetch('status', { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' });
    if (r.status === 401) {
      message.textContent = token ? 'token refused' : 'enter the token the demo printed at start';
    } else if (r.ok) {
      message.textContent = '';
      render(await r.json(), Date.now());
    } else {
      message.textContent = 'status answered ' + r.status;
    }
  } catch (e) {
    message.textContent = 'server unreachable';
  }
}

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
