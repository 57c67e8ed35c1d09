// Assistant questions (reads: backlinks, orphans, hubs, search, paths, summaries): 16 users, each
// in a conversation of their own over their own 2,000-page workspace, one question a second.
import { DURATION, SUMMARY_STATS, thresholds } from '../lib/common.js';
import { assistant, prepareAssistant } from '../lib/flows.js';

export const options = {
  summaryTrendStats: SUMMARY_STATS,
  setupTimeout: '180s',
  scenarios: { questions: { executor: 'constant-vus', vus: 16, duration: DURATION, exec: 'run' } },
  thresholds: thresholds({ 'http_req_duration{name:question}': ['p(95)<500'] }),
};

export function setup() { return prepareAssistant(); }
export function run(users) { assistant(users); }
