// One flow per part of the product, each a function a scenario's VUs run (an iteration) and a
// `prepare*` that its setup() calls; `mixed` runs several of them side by side.
import http from 'k6/http';
import crypto from 'k6/crypto';
import { check, sleep } from 'k6';
import { BASE, email, firstWorkspace, pick, signIn } from './common.js';

const COMPRESSED = { 'Accept-Encoding': 'br, gzip' };

// --- embed: the page and its graph data, for the 100,000-node share ------------------------

export function prepareEmbed() {
  const token = __ENV.SHARE_TOKEN;
  const base = `${BASE}/embed/${token}`;
  const etags = {};
  for (const file of ['graph.bin', 'labels.json']) {
    const r = http.get(`${base}/${file}`, { headers: COMPRESSED, tags: { name: 'embed_warm' } });
    check(r, { 'embed data is 200': (res) => res.status === 200 });
    etags[file] = r.headers.Etag || r.headers.ETag;
  }
  return { base, etags };
}

/// The page, then its data: without `If-None-Match` (a first visit: whole bodies) or, on
/// `revalidate`, with it (a returning viewer: 304s).
export function embed(data, revalidate) {
  const page = http.get(data.base, { tags: { name: 'embed_page' } });
  check(page, { 'embed page is 200': (r) => r.status === 200 });
  for (const file of ['graph.bin', 'labels.json']) {
    const headers = Object.assign({}, COMPRESSED);
    if (revalidate) headers['If-None-Match'] = data.etags[file];
    const name = `${file.replace('.', '_')}${revalidate ? '_304' : ''}`;
    const r = http.get(`${data.base}/${file}`, { headers, tags: { name } });
    check(r, { [`${file} is ${revalidate ? 304 : 200}`]: (res) => res.status === (revalidate ? 304 : 200) });
  }
}

// --- graph-api: the owner's views of the same workspace -------------------------------------

export function prepareGraph() {
  const headers = Object.assign(signIn(__ENV.OWNER_EMAIL), COMPRESSED);
  const workspace = __ENV.WORKSPACE;
  const url = `${BASE}/api/v1/workspaces/${workspace}/graph`;
  const found = http.get(`${url}?view=search&text=Roadmap&limit=50`, { headers, tags: { name: 'graph_warm' }, responseType: 'text' });
  check(found, { 'search is 200': (r) => r.status === 200 });
  const roots = found.json('nodes').map((n) => n.id);
  for (const view of ['full', 'summary']) {
    http.get(`${url}?view=${view}`, { headers, tags: { name: 'graph_warm' }, timeout: '120s' });
  }
  return { headers, url, roots };
}

const WORDS = ['Roadmap', 'Meeting notes', 'Design', 'Research', 'Plan', 'Ideas', 'Review', 'Journal'];

export function graphView(data, view) {
  const query = {
    full: 'view=full',
    summary: 'view=summary&top=200',
    neighbourhood: `view=neighbourhood&root=${pick(data.roots)}&depth=2`,
    search: `view=search&text=${encodeURIComponent(`${pick(WORDS)} ${1 + Math.floor(Math.random() * 99)}`)}&limit=20`,
  }[view];
  const r = http.get(`${data.url}?${query}`, { headers: data.headers, tags: { name: `graph_${view}` }, timeout: '60s' });
  check(r, { [`${view} is 200`]: (res) => res.status === 200 });
}

/// A view for the blend: mostly summaries and searches, a few neighbourhoods, rarely the full graph.
export function pick4() {
  return pick(['summary', 'summary', 'search', 'search', 'search', 'neighbourhood', 'neighbourhood', 'full']);
}

// --- login ------------------------------------------------------------------------------------

export function login() {
  const users = Number(__ENV.USERS || 16);
  const body = JSON.stringify({ email: email(Math.floor(Math.random() * users)), password: __ENV.PASSWORD || 'correct horse battery staple' });
  const r = http.post(`${BASE}/api/v1/auth/login`, body, {
    headers: { 'Content-Type': 'application/json' }, tags: { name: 'login' },
  });
  check(r, { 'login is 200': (res) => res.status === 200 });
}

// --- dashboard: signed-in page loads ------------------------------------------------------

/// One signed-in load user per VU slot, with the workspace it owns.
export function prepareUsers() {
  const users = [];
  for (let n = 0; n < Number(__ENV.USERS || 16); n++) {
    const headers = signIn(email(n));
    users.push({ headers, workspace: firstWorkspace(headers) });
  }
  return users;
}

function mine(users) {
  return users[(__VU - 1) % users.length];
}

export function dashboard(users) {
  const user = mine(users);
  const page = pick(['/', `/workspaces/${user.workspace}`, '/account', '/assistant']);
  const name = page.startsWith('/workspaces/') ? '/workspaces/{id}' : page;
  const r = http.get(`${BASE}${page}`, { headers: Object.assign({}, user.headers, COMPRESSED), tags: { name: `page ${name}` } });
  check(r, { 'page is 200': (res) => res.status === 200 });
}

// --- webhooks: Notion and Stripe bursts, a fifth of them duplicates --------------------------

/// An event id: a fifth of the time one already sent (Notion and Stripe both redeliver).
function eventId(prefix) {
  const n = __VU * 1000000 + __ITER;
  const again = __ITER > 0 && Math.random() < 0.2;
  return `${prefix}_${again ? n - 1 - Math.floor(Math.random() * Math.min(__ITER, 50)) : n}`;
}

export function notionWebhook() {
  const body = JSON.stringify({
    id: eventId('evt'), type: 'page.content_updated', timestamp: new Date().toISOString(),
    workspace_id: 'load-workspace', entity: { id: `page-${__ITER % 500}`, type: 'page' },
  });
  const signature = `sha256=${crypto.hmac('sha256', __ENV.NOTION_TOKEN, body, 'hex')}`;
  const r = http.post(`${BASE}/api/webhooks/notion`, body, {
    headers: { 'Content-Type': 'application/json', 'X-Notion-Signature': signature }, tags: { name: 'notion_webhook' },
  });
  check(r, { 'notion webhook is 200': (res) => res.status === 200 });
}

export function stripeWebhook() {
  const body = JSON.stringify({
    id: eventId('evt'), object: 'event', type: 'customer.subscription.updated', created: Math.floor(Date.now() / 1000),
    data: { object: { id: `sub_${__ITER % 100}`, object: 'subscription', customer: `cus_load${__VU}` } },
  });
  const t = Math.floor(Date.now() / 1000);
  const v1 = crypto.hmac('sha256', __ENV.STRIPE_SECRET, `${t}.${body}`, 'hex');
  const r = http.post(`${BASE}/api/webhooks/stripe`, body, {
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': `t=${t},v1=${v1}` }, tags: { name: 'stripe_webhook' },
  });
  check(r, { 'stripe webhook is 200': (res) => res.status === 200 });
}

// --- assistant: questions, each load user in a conversation of its own ----------------------

export function prepareAssistant() {
  return prepareUsers().map((user) => {
    const r = http.post(`${BASE}/api/v1/assistant/conversations`, JSON.stringify({ workspace: user.workspace }), {
      headers: Object.assign({ 'Content-Type': 'application/json' }, user.headers), tags: { name: 'conversation' }, responseType: 'text',
    });
    check(r, { 'conversation is 201': (res) => res.status === 201 });
    return Object.assign({ conversation: r.json('id') }, user);
  });
}

// Titles of `graph import-edges` workspaces: a word by node number modulo 16, then the number.
const QUESTIONS = [
  'what links to Roadmap 16?', 'which pages are orphans?', 'what are the hubs?',
  'search for Journal', 'what does Design 2 link to?', 'summarise the workspace',
  'path from Roadmap 0 to Research 3', 'what changed since the last sync?',
];

/// One question a second per user: the assistant's own limit (20 at once, then one a second).
export function assistant(users) {
  const user = mine(users);
  const r = http.post(`${BASE}/api/v1/assistant/conversations/${user.conversation}/messages`,
    JSON.stringify({ text: pick(QUESTIONS) }), {
      headers: Object.assign({ 'Content-Type': 'application/json' }, user.headers), tags: { name: 'question' },
    });
  check(r, { 'question is answered': (res) => res.status === 200 && res.json('reply') !== null });
  sleep(1);
}
