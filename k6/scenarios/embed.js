// The embed of a 100,000-node share: the page and its graph data (graph.bin, labels.json),
// first visits (whole bodies) and returning viewers (If-None-Match, 304) side by side.
import { DURATION, SUMMARY_STATS, thresholds } from '../lib/common.js';
import { embed, prepareEmbed } from '../lib/flows.js';

export const options = {
  summaryTrendStats: SUMMARY_STATS,
  setupTimeout: '180s',
  discardResponseBodies: true,
  scenarios: {
    first_visit: { executor: 'constant-vus', vus: 8, duration: DURATION, exec: 'firstVisit' },
    returning: { executor: 'constant-vus', vus: 24, duration: DURATION, exec: 'returning' },
  },
  thresholds: thresholds({
    'http_req_duration{name:embed_page}': ['p(95)<100'],
    'http_req_duration{name:graph_bin_304}': ['p(95)<50'],
    'http_req_duration{name:labels_json_304}': ['p(95)<50'],
    'http_req_duration{name:graph_bin}': ['p(95)<1000'],
    'http_req_duration{name:labels_json}': ['p(95)<1000'],
  }),
};

export const setup = prepareEmbed;
export function firstVisit(data) { embed(data, false); }
export function returning(data) { embed(data, true); }
