// Smoke load: liveness under concurrent clients, with a readiness and a 404 probe mixed in so
// that the middleware stack (ids, headers, metrics, problem bodies) is on the measured path.
// BASE_URL is set by scripts/load; the run is bounded by `duration`.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  vus: Number(__ENV.VUS || 32),
  duration: __ENV.DURATION || '20s',
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
  thresholds: {
    checks: ['rate>0.99'],
    'http_req_duration{name:livez}': ['p(99)<50'],
  },
};

export default function () {
  const live = http.get(`${BASE}/livez`, { tags: { name: 'livez' } });
  check(live, { 'livez is 200': (r) => r.status === 200 });
  if (__ITER % 50 === 0) {
    const ready = http.get(`${BASE}/readyz`, { tags: { name: 'readyz' } });
    check(ready, { 'readyz is 200': (r) => r.status === 200 });
    const missing = http.get(`${BASE}/no-such-route`, { tags: { name: 'missing' } });
    check(missing, { 'unknown route is a problem': (r) => r.status === 404 && r.headers['Content-Type'] === 'application/problem+json' });
  }
}
