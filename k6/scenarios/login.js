// Sign-ins (Argon2id at 19 MiB, 2 iterations): 16 accounts, 16 users signing in again and
// again. The hash is the cost: throughput is bounded by password_hash_concurrency.
import { DURATION, SUMMARY_STATS, thresholds } from '../lib/common.js';
import { login } from '../lib/flows.js';

export const options = {
  summaryTrendStats: SUMMARY_STATS,
  discardResponseBodies: true,
  scenarios: { login: { executor: 'constant-vus', vus: 16, duration: DURATION, exec: 'run' } },
  thresholds: thresholds({ 'http_req_duration{name:login}': ['p(95)<3000'] }),
};

export function run() { login(); }
