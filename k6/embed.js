// The embed data endpoint under load: 64 connections for 10 s fetching one precompressed
// document (gzip, which both contestants have ready), for scripts/bench-embed.
import http from "k6/http";
import { check } from "k6";

export const options = {
  vus: 64,
  duration: __ENV.DURATION || "10s",
  summaryTrendStats: ["p(50)", "p(99)", "max"],
  discardResponseBodies: true,
};

export default function () {
  const response = http.get(__ENV.URL, { headers: { "Accept-Encoding": "gzip" } });
  check(response, { "200": (r) => r.status === 200 });
}
