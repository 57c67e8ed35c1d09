// A realistic blend at fixed arrival rates: viewers of the embed (most of the traffic, mostly
// returning), owners on the dashboard and the graph API, a few sign-ins, assistant questions,
// and webhooks from Notion and Stripe, all at once.
import { DURATION, SUMMARY_STATS, thresholds } from '../lib/common.js';
import * as flows from '../lib/flows.js';

const rate = (perSecond, exec, vus) => ({
  executor: 'constant-arrival-rate', rate: perSecond, timeUnit: '1s', duration: DURATION,
  preAllocatedVUs: vus, maxVUs: vus * 2, exec,
});

export const options = {
  summaryTrendStats: SUMMARY_STATS,
  setupTimeout: '180s',
  discardResponseBodies: true,
  scenarios: {
    embed_returning: rate(60, 'embedReturning', 16),
    embed_first: rate(3, 'embedFirst', 4),
    dashboard: rate(20, 'dashboard', 8),
    graph_api: rate(10, 'graphApi', 8),
    login: rate(1, 'login', 4),
    assistant: { executor: 'constant-vus', vus: 8, duration: DURATION, exec: 'assistant' },
    notion: rate(20, 'notion', 4),
    stripe: rate(10, 'stripe', 4),
  },
  thresholds: thresholds({
    'http_req_duration{scenario:embed_returning}': ['p(95)<100'],
    'http_req_duration{scenario:dashboard}': ['p(95)<200'],
    'http_req_duration{scenario:graph_api}': ['p(95)<1000'],
    'http_req_duration{scenario:assistant}': ['p(95)<1000'],
    'http_req_duration{scenario:notion}': ['p(95)<250'],
    'http_req_duration{scenario:stripe}': ['p(95)<250'],
  }),
};

export function setup() {
  return { embed: flows.prepareEmbed(), graph: flows.prepareGraph(), users: flows.prepareAssistant() };
}
export function embedReturning(data) { flows.embed(data.embed, true); }
export function embedFirst(data) { flows.embed(data.embed, false); }
export function dashboard(data) { flows.dashboard(data.users); }
export function graphApi(data) { flows.graphView(data.graph, flows.pick4()); }
export function login() { flows.login(); }
export function assistant(data) { flows.assistant(data.users); }
export function notion() { flows.notionWebhook(); }
export function stripe() { flows.stripeWebhook(); }
