// The lab's stress profile: ramp to 200 virtual users, each pausing THINK seconds between
// requests (default 1: the `sleep(1)` of the usual k6 script; the lab's own scripts are not in
// the seed). THINK=0 turns it into a closed-loop saturation test, where latency is only
// users ÷ throughput (the capacity test measures throughput properly). Thresholds are the target
// of the scaled, cached configuration: no failed request, p95 < 50 ms.
import { sleep } from 'k6';
import { mixedRequest } from './lib.js';
const THINK = parseFloat(__ENV.THINK || '1');
export const options = {
  discardResponseBodies: true,
  stages: [
    { duration: '20s', target: 50 },
    { duration: '30s', target: 100 },
    { duration: '20s', target: 200 },
    { duration: '40s', target: 200 },
    { duration: '10s', target: 0 },
  ],
  thresholds: { http_req_failed: ['rate==0'], 'http_req_failed{method:GET}': ['rate==0'], http_req_duration: ['p(95)<50'] },
};
export default function () { mixedRequest(); if (THINK > 0) sleep(THINK); }
