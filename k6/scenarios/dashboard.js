// Signed-in page loads: 16 users, each on their own account, loading the home page, their
// workspace's page, the account page and the assistant page at random.
import { DURATION, SUMMARY_STATS, thresholds } from '../lib/common.js';
import { dashboard, prepareUsers } from '../lib/flows.js';

export const options = {
  summaryTrendStats: SUMMARY_STATS,
  setupTimeout: '180s',
  discardResponseBodies: true,
  scenarios: { pages: { executor: 'constant-vus', vus: 16, duration: DURATION, exec: 'run' } },
  thresholds: thresholds({ 'http_req_duration{scenario:pages}': ['p(95)<100'] }),
};

export function setup() { return prepareUsers(); }
export function run(users) { dashboard(users); }
