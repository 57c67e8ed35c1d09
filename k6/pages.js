// Signed-in dashboard pages under load (issue 12's benchmark), against the instance
// scripts/bench-pages prepared: one account owning 10 workspaces. 32 users for 10 s on each page
// in turn (home with its 10 cards, a workspace page, the account page): p50/p99 and bytes per
// page. BASE_URL, EMAIL, PASSWORD and WORKSPACE are set by scripts/bench-pages.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const PAGES = {
  home: '/',
  workspace: `/workspaces/${__ENV.WORKSPACE}`,
  account: '/account',
};
const SECONDS = 10;

const scenarios = {};
Object.keys(PAGES).forEach((name, i) => {
  scenarios[name] = {
    executor: 'constant-vus', vus: 32, duration: `${SECONDS}s`,
    startTime: `${i * (SECONDS + 2)}s`, exec: 'load', env: { PAGE: name },
  };
});

export const options = {
  summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max'],
  scenarios,
  // Thresholds on each scenario make k6 keep per-scenario figures for the summary below.
  thresholds: Object.fromEntries(Object.keys(PAGES).flatMap((name) => [
    [`http_req_duration{scenario:${name}}`, ['p(99)>=0']],
    [`http_reqs{scenario:${name}}`, ['count>=0']],
    [`data_received{scenario:${name}}`, ['count>=0']],
  ]).concat([['checks', ['rate>0.99']]])),
};

export function setup() {
  const body = JSON.stringify({ email: __ENV.EMAIL, password: __ENV.PASSWORD });
  const r = http.post(`${BASE}/api/v1/auth/login`, body, { headers: { 'Content-Type': 'application/json' } });
  check(r, { 'login is 200': (res) => res.status === 200 });
  return { session: r.cookies['__Host-ng_session'][0].value };
}

export function load(data) {
  const r = http.get(`${BASE}${PAGES[__ENV.PAGE]}`, {
    headers: { Cookie: `__Host-ng_session=${data.session}`, 'Accept-Encoding': 'gzip, br' },
  });
  check(r, { 'page is 200': (res) => res.status === 200 });
}

export function handleSummary(data) {
  const value = (metric, stat) => (data.metrics[metric] ? data.metrics[metric].values[stat] : NaN);
  const lines = Object.keys(PAGES).map((name) => {
    const requests = value(`http_reqs{scenario:${name}}`, 'count');
    const bytes = value(`data_received{scenario:${name}}`, 'count') / requests;
    const p50 = value(`http_req_duration{scenario:${name}}`, 'p(50)');
    const p99 = value(`http_req_duration{scenario:${name}}`, 'p(99)');
    return `${name.padEnd(9)} ${PAGES[name].padEnd(48)} p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms `
      + `(goal < 25 ms), ${(requests / SECONDS).toFixed(0)} req/s, ${bytes.toFixed(0)} bytes per page`;
  });
  lines.push(`checks passed: ${(value('checks', 'rate') * 100).toFixed(1)} %`);
  return { stdout: lines.join('\n') + '\n' };
}
