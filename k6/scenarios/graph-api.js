// The owner's graph API on the 100,000-node workspace: the full view (D3 JSON, compressed once
// per snapshot), the summary, neighbourhoods of depth 2 and title searches, side by side.
import { DURATION, SUMMARY_STATS, thresholds } from '../lib/common.js';
import { graphView, prepareGraph } from '../lib/flows.js';

export const options = {
  summaryTrendStats: SUMMARY_STATS,
  setupTimeout: '180s',
  discardResponseBodies: true,
  scenarios: {
    full: { executor: 'constant-vus', vus: 2, duration: DURATION, exec: 'full' },
    summary: { executor: 'constant-vus', vus: 6, duration: DURATION, exec: 'summary' },
    neighbourhood: { executor: 'constant-vus', vus: 12, duration: DURATION, exec: 'neighbourhood' },
    search: { executor: 'constant-vus', vus: 12, duration: DURATION, exec: 'search' },
  },
  thresholds: thresholds({
    'http_req_duration{name:graph_full}': ['p(95)<3000'],
    'http_req_duration{name:graph_summary}': ['p(95)<200'],
    'http_req_duration{name:graph_neighbourhood}': ['p(95)<500'],
    'http_req_duration{name:graph_search}': ['p(95)<500'],
  }),
};

// Search results' ids are read in setup, so bodies are kept there only.
export function setup() { return prepareGraph(); }
export function full(data) { graphView(data, 'full'); }
export function summary(data) { graphView(data, 'summary'); }
export function neighbourhood(data) { graphView(data, 'neighbourhood'); }
export function search(data) { graphView(data, 'search'); }
