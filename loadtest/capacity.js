// Open model: a constant arrival rate (RATE requests/s for DURATION), whatever the latency.
// scripts/bench steps RATE up and keeps the highest rate with p95 < 100 ms and errors < 0.1 %.
import { mixedRequest } from './lib.js';
const RATE = parseInt(__ENV.RATE || '200', 10);
export const options = {
  discardResponseBodies: true,
  scenarios: {
    open: { executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: __ENV.DURATION || '20s',
            preAllocatedVUs: Math.min(1000, Math.max(20, RATE / 5)), maxVUs: 2000 },
  },
  thresholds: { http_req_failed: ['rate<0.001'], http_req_duration: ['p(95)<100'], dropped_iterations: ['count<' + Math.max(1, RATE)] },
};
export default function () { mixedRequest(); }
