// What every scenario shares: the instance scripts/load started (BASE_URL), sign-in, the
// summary's statistics and the thresholds every scenario keeps (no failed request, checks).
import http from 'k6/http';
import { check, fail } from 'k6';

export const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
export const PASSWORD = __ENV.PASSWORD || 'correct horse battery staple';
/// Each scenario's load phase, capped at 30 s by scripts/load.
export const DURATION = __ENV.DURATION || '20s';
export const SUMMARY_STATS = ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'];

/// Thresholds every scenario keeps, plus its own latency goals.
export function thresholds(own) {
  return Object.assign({
    checks: ['rate>0.99'],
    http_req_failed: ['rate<0.01'],
  }, own);
}

/// The account of load user `n` (scripts/load creates load-0 .. load-(USERS-1)).
export function email(n) {
  return `load-${n}@example.com`;
}

/// Signs in; answers the headers a signed-in request carries (session cookie, CSRF token).
export function signIn(address) {
  const body = JSON.stringify({ email: address, password: PASSWORD });
  const r = http.post(`${BASE}/api/v1/auth/login`, body, {
    headers: { 'Content-Type': 'application/json' }, tags: { name: 'login' }, responseType: 'text',
  });
  if (!check(r, { 'login is 200': (res) => res.status === 200 })) {
    fail(`cannot sign in as ${address}: ${r.status} ${r.body}`);
  }
  return {
    Cookie: `__Host-ng_session=${r.cookies['__Host-ng_session'][0].value}`,
    'X-CSRF-Token': r.json('csrf_token'),
  };
}

/// The signed-in user's first workspace id.
export function firstWorkspace(headers) {
  const r = http.get(`${BASE}/api/v1/workspaces`, { headers, tags: { name: 'workspaces' }, responseType: 'text' });
  check(r, { 'workspaces is 200': (res) => res.status === 200 });
  return r.json()[0].id;
}

/// Uniformly one of `items`.
export function pick(items) {
  return items[Math.floor(Math.random() * items.length)];
}
