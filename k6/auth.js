// Authentication under load (issue 10's benchmarks), against accounts scripts/bench-auth made:
//  1. `logins`: 32 clients signing in for 20 s (Argon2id each time) while `livez` probes the
//     liveness route at a steady 20 requests per second: does hashing starve other requests?
//  2. `me` then `livez_only`: 32 clients for 10 s each on a session-authenticated GET
//     /api/v1/me, then on /livez; the ratio of their throughputs is the cost of auth.
// BASE_URL, ACCOUNTS (how many accounts `bench-N@example.com` exist) and PASSWORD are set by
// scripts/bench-auth.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const ACCOUNTS = Number(__ENV.ACCOUNTS || 32);
const PASSWORD = __ENV.PASSWORD || 'correct horse battery staple';
const JSON_HEADERS = { headers: { 'Content-Type': 'application/json' } };

export const options = {
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
  scenarios: {
    logins: { executor: 'constant-vus', vus: 32, duration: '20s', exec: 'login' },
    livez: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '20s', preAllocatedVUs: 8, exec: 'live' },
    me: { executor: 'constant-vus', vus: 32, duration: '10s', startTime: '22s', exec: 'me' },
    livez_only: { executor: 'constant-vus', vus: 32, duration: '10s', startTime: '34s', exec: 'live' },
  },
  thresholds: {
    checks: ['rate>0.99'],
    'http_req_duration{scenario:logins}': ['p(99)>=0'],
    'http_req_duration{scenario:livez}': ['p(99)>=0'],
    'http_reqs{scenario:me}': ['count>=0'],
    'http_reqs{scenario:livez_only}': ['count>=0'],
  },
};

function email(n) {
  return `bench-${n % ACCOUNTS}@example.com`;
}

function signIn(n) {
  const body = JSON.stringify({ email: email(n), password: PASSWORD });
  return http.post(`${BASE}/api/v1/auth/login`, body, JSON_HEADERS);
}

export function setup() {
  const sessions = [];
  for (let n = 0; n < 32; n++) {
    const r = signIn(n);
    check(r, { 'setup login is 200': (res) => res.status === 200 });
    sessions.push(r.cookies['__Host-ng_session'][0].value);
  }
  return { sessions };
}

export function login() {
  const r = signIn(__VU + __ITER);
  check(r, { 'login is 200': (res) => res.status === 200 });
}

export function live() {
  const r = http.get(`${BASE}/livez`);
  check(r, { 'livez is 200': (res) => res.status === 200 });
}

export function me(data) {
  const session = data.sessions[__VU % data.sessions.length];
  const r = http.get(`${BASE}/api/v1/me`, { headers: { Cookie: `__Host-ng_session=${session}` } });
  check(r, { 'me is 200': (res) => res.status === 200 });
}

function trend(data, name, stat) {
  const metric = data.metrics[name];
  return metric ? metric.values[stat] : NaN;
}

export function handleSummary(data) {
  const rate = (name) => {
    const metric = data.metrics[name];
    return metric ? metric.values.count / 10 : NaN;
  };
  const me = rate('http_reqs{scenario:me}');
  const live = rate('http_reqs{scenario:livez_only}');
  const lines = [
    `login p50 ${trend(data, 'http_req_duration{scenario:logins}', 'p(50)').toFixed(1)} ms, p99 ${trend(data, 'http_req_duration{scenario:logins}', 'p(99)').toFixed(1)} ms (32 clients)`,
    `livez p99 during logins ${trend(data, 'http_req_duration{scenario:livez}', 'p(99)').toFixed(1)} ms (goal < 20 ms)`,
    `GET /api/v1/me ${me.toFixed(0)} req/s, /livez ${live.toFixed(0)} req/s: ratio ${(me / live).toFixed(2)} (goal >= 0.5)`,
  ];
  return { stdout: lines.join('\n') + '\n' };
}
