// The dashboard page: one EventSource to /events, redrawn on each poll's state. No build step:
// a plain ES module, with uPlot (served from node_modules) for the charts.
import uPlot from '/uplot.js';

const AUDIT_ROWS_SHOWN = 200;
/** A heartbeat this far into the lock TTL is shown as near expiry (red, and said in words). */
const NEAR_EXPIRY = 0.75;
/** Line styles beside colours, so a series is told apart without colour. */
const STYLES = [
  { stroke: '#0b3d91', dash: [] },
  { stroke: '#b00020', dash: [6, 3] },
  { stroke: '#1b5e20', dash: [2, 2] },
  { stroke: '#8a5a00', dash: [10, 4, 2, 4] },
  { stroke: '#6a1b9a', dash: [] },
  { stroke: '#00695c', dash: [6, 3] },
  { stroke: '#444444', dash: [2, 2] },
  { stroke: '#c2185b', dash: [10, 4, 2, 4] },
  { stroke: '#5d4037', dash: [] },
];

const page = {
  lockTtlMs: 30000,
  codes: new Map(),
  verbs: [],
  watched: [],
  rows: [],
  state: null,
  charts: {},
  conn: null,
};

/** A DOM element with text children (never HTML: every value from the bank is text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'className') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

const $ = (id) => document.getElementById(id);
const pad = (n) => String(n).padStart(2, '0');
const clock = (ms) => {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};
const dollars = (cents) =>
  cents === null || cents === undefined
    ? ''
    : `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
const codeTitle = (code) => {
  const entry = page.codes.get(code);
  return entry ? `${code} ${entry.name}: ${entry.meaning}` : code;
};

function renderServers(state) {
  const items = state.servers.map((s) =>
    el(
      'li',
      {},
      `run ${s.run}`,
      s.names.length ? ` · ${s.names.join(', ')}` : '',
      ` · started ${clock(s.startedAt)} · ${s.sessions} session${s.sessions === 1 ? '' : 's'}`,
      s.lastSeenAt ? ` · last request ${clock(s.lastSeenAt)}` : '',
    ),
  );
  $('servers').replaceChildren(...(items.length ? items : [el('li', {}, 'no server run yet')]));
}

function heartbeat(session, nowMs) {
  const ageMs = Math.max(0, nowMs - session.heartbeatAt);
  const ttl = page.lockTtlMs;
  const near = ageMs >= ttl * NEAR_EXPIRY;
  const meter = el('meter', {
    min: 0,
    max: ttl,
    low: ttl * 0.5,
    high: ttl * NEAR_EXPIRY,
    optimum: 0,
    value: Math.min(ageMs, ttl),
    'aria-label': 'heartbeat age',
  });
  const label = el(
    'span',
    { className: near ? 'hb-label near' : 'hb-label' },
    `${(ageMs / 1000).toFixed(1)}/${ttl / 1000} s${near ? ' near expiry' : ''}`,
  );
  return el('td', {}, meter, label);
}

function renderSessions(state) {
  const rows = state.sessions.map((s) =>
    el(
      'tr',
      { 'data-account': s.account },
      el('td', {}, s.account),
      el('td', {}, `${s.server} / `, connButton(s.conn)),
      el('td', {}, s.peer),
      el('td', {}, clock(s.startedAt)),
      heartbeat(s, state.at),
    ),
  );
  $('sessions').tBodies[0].replaceChildren(...rows);
  const cut = state.cut.sessions ? ' (first ones only)' : '';
  $('session-count').textContent = `${state.sessions.length}${cut}`;
}

function renderAccounts(state) {
  const status = (a) =>
    a.status === 'locked' ? `locked out until ${clock(a.lockedUntilMs)}` : a.status;
  const rows = state.accounts.map((a) =>
    el(
      'tr',
      { 'data-account': a.account },
      el('td', {}, a.account),
      el('td', { className: 'num balance' }, dollars(a.balanceCents)),
      el('td', { className: `status-${a.status}` }, status(a)),
    ),
  );
  $('accounts').tBodies[0].replaceChildren(...rows);
}

function connButton(conn) {
  if (conn === null || conn === undefined) return '';
  const button = el('button', { className: 'conn', type: 'button', 'data-conn': conn }, conn);
  button.addEventListener('click', () => showDialogue(conn));
  return button;
}

function auditMatches(row) {
  const account = $('filter-account').value.trim().toLowerCase();
  const code = $('filter-code').value.trim();
  const conn = $('filter-conn').value.trim();
  if (account && row.account !== account) return false;
  if (conn && String(row.conn) !== conn) return false;
  if (!code) return true;
  const wanted = code.padStart(2, '0');
  return row.code === wanted || (row.summary !== null && row.summary.includes(`${wanted}×`));
}

function auditRow(row) {
  const summary = row.summary !== null;
  const refused = row.code !== null && row.code !== '00';
  const codeCell = summary ? `refusals ${row.summary}` : (row.code ?? '');
  const className = summary ? 'summary' : refused ? 'refused' : '';
  return el(
    'tr',
    { 'data-id': row.id, className },
    el('td', { className: 'num' }, row.id),
    el('td', {}, clock(row.at)),
    el('td', {}, connButton(row.conn)),
    el('td', {}, row.peer ?? ''),
    el('td', {}, row.account ?? ''),
    el('td', {}, summary ? 'refusals (summary)' : row.op),
    el('td', { className: 'num' }, dollars(row.amountCents)),
    el('td', { className: 'code', title: row.code ? codeTitle(row.code) : '' }, codeCell),
    el('td', { className: 'num' }, dollars(row.balanceCents)),
    el('td', {}, row.txn ?? ''),
  );
}

function renderAudit() {
  const shown = page.rows.filter(auditMatches).slice(-AUDIT_ROWS_SHOWN).reverse();
  $('audit-rows').tBodies[0].replaceChildren(...shown.map(auditRow));
}

function renderChain(state) {
  $('chain-hash').textContent = state.chain.lastHash
    ? `${state.chain.lastHash.slice(0, 16)}… (row ${state.chain.lastId})`
    : 'empty audit';
  $('verify').textContent = state.verify
    ? `last verify OK at ${clock(state.verify.at)}, up to row ${state.verify.auditId}`
    : 'no verify recorded';
}

function chartOptions(title, names, width, height) {
  const series = names.map((name, i) => ({
    label: name,
    width: 2,
    ...STYLES[i % STYLES.length],
    points: { show: false },
  }));
  const small = height < 80;
  return {
    title,
    width,
    height,
    series: [{}, ...series],
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [{ show: !small }, { size: 36 }],
    legend: small ? { show: false } : { live: false },
  };
}

function chartData(traffic, keys, source) {
  const xs = source[keys[0]].map((_, i) => traffic.startS + i);
  return [xs, ...keys.map((key) => source[key] ?? xs.map(() => 0))];
}

function drawChart(id, title, keys, source, traffic, height) {
  const data = chartData(traffic, keys, source);
  const existing = page.charts[id];
  if (existing && existing.keys === keys.join()) {
    existing.plot.setData(data);
    return;
  }
  existing?.plot.destroy();
  const target = $(id);
  const width = Math.max(120, target.clientWidth || 300);
  const plot = new uPlot(chartOptions(title, keys, width, height), data, target);
  page.charts[id] = { plot, keys: keys.join() };
}

function renderTraffic(state) {
  const { traffic } = state;
  drawChart('chart-verbs', 'requests/s by verb', page.verbs, traffic.verbs, traffic, 110);
  const codes = Object.keys(traffic.codes).sort();
  drawChart('chart-codes', 'requests/s by result code', codes, traffic.codes, traffic, 110);
  for (const code of page.watched) {
    drawChart(`chart-${code}`, '', [code], traffic.codes, traffic, 60);
  }
}

function buildWatched() {
  const figures = page.watched.map((code) => {
    const entry = page.codes.get(code);
    return el(
      'figure',
      {},
      el('div', { id: `chart-${code}`, className: 'chart' }),
      el(
        'figcaption',
        { title: entry.meaning },
        el('strong', {}, `${code} ${entry.name}`),
        `: ${entry.meaning}`,
      ),
    );
  });
  $('watched').replaceChildren(...figures);
  const items = [...page.codes.values()].flatMap((c) => [
    el('dt', {}, `${c.code} ${c.name}`),
    el('dd', {}, c.meaning),
  ]);
  $('codes').replaceChildren(...items);
}

async function showDialogue(conn) {
  page.conn = conn;
  $('dialogue-conn').textContent = `conn ${conn}`;
  const response = await fetch(`/dialogue?conn=${encodeURIComponent(conn)}`);
  if (!response.ok) return;
  const lines = await response.json();
  if (page.conn !== conn) return;
  const nodes = lines.map((line) =>
    el(
      'div',
      { className: line.side.toLowerCase() },
      line.side === 'note' ? line.text : `${line.side}: ${line.text}`,
    ),
  );
  $('dialogue').replaceChildren(...(nodes.length ? nodes : ['no audit rows kept for it']));
}

function render(state) {
  page.state = state;
  renderServers(state);
  renderSessions(state);
  renderAccounts(state);
  renderChain(state);
  renderTraffic(state);
  const status = $('status');
  status.textContent = state.error
    ? `cannot read the bank: ${state.error}`
    : `live · updated ${clock(state.at)}`;
  status.className = state.error ? 'status down' : 'status';
}

function addRows(rows) {
  page.rows.push(...rows);
  const over = page.rows.length - AUDIT_ROWS_SHOWN * 5;
  if (over > 0) page.rows.splice(0, over);
  renderAudit();
  if (page.conn !== null && rows.some((row) => row.conn === page.conn)) showDialogue(page.conn);
}

function connect() {
  const events = new EventSource('/events');
  events.addEventListener('hello', (event) => {
    const hello = JSON.parse(event.data);
    page.lockTtlMs = hello.lockTtlMs;
    page.codes = new Map(hello.codes.map((c) => [c.code, c]));
    page.verbs = hello.verbs;
    page.watched = hello.watched;
    page.rows = [];
    if (!$('watched').childElementCount) buildWatched();
    addRows(hello.rows);
    if (hello.state) render(hello.state);
  });
  events.addEventListener('state', (event) => {
    const { state, rows } = JSON.parse(event.data);
    addRows(rows);
    render(state);
  });
  events.addEventListener('error', () => {
    $('status').textContent = 'connection to the dashboard lost: reconnecting…';
    $('status').className = 'status down';
  });
}

for (const id of ['filter-account', 'filter-code', 'filter-conn']) {
  $(id).addEventListener('input', renderAudit);
}
$('filters').addEventListener('submit', (event) => event.preventDefault());
connect();
