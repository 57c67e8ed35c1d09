// Webhook bursts: Notion events and Stripe events, each signed, a fifth of them redeliveries
// of an event already sent, at a fixed arrival rate that rises to a burst and falls back.
import { DURATION, SUMMARY_STATS, thresholds } from '../lib/common.js';
import { notionWebhook, stripeWebhook } from '../lib/flows.js';

const seconds = parseInt(DURATION, 10);
const burst = (target) => ({
  executor: 'ramping-arrival-rate', startRate: 20, timeUnit: '1s', preAllocatedVUs: 32, maxVUs: 64,
  stages: [
    { target: 20, duration: `${Math.floor(seconds / 4)}s` },
    { target, duration: '1s' },
    { target, duration: `${Math.floor(seconds / 2) - 1}s` },
    { target: 20, duration: `${seconds - Math.floor(seconds / 4) - Math.floor(seconds / 2)}s` },
  ],
});

export const options = {
  summaryTrendStats: SUMMARY_STATS,
  discardResponseBodies: true,
  scenarios: {
    notion: Object.assign(burst(200), { exec: 'notion' }),
    stripe: Object.assign(burst(100), { exec: 'stripe' }),
  },
  thresholds: thresholds({
    'http_req_duration{name:notion_webhook}': ['p(95)<250'],
    'http_req_duration{name:stripe_webhook}': ['p(95)<250'],
    dropped_iterations: ['count<100'],
  }),
};

export function notion() { notionWebhook(); }
export function stripe() { stripeWebhook(); }
