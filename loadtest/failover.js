// Reads at a steady rate while scripts/bench kills one instance (kill -9) and brings it back:
// no GET may fail (NGINX retries idempotent requests on the surviving instances).
import { readRequest } from './lib.js';
export const options = {
  discardResponseBodies: true,
  scenarios: { reads: { executor: 'constant-arrival-rate', rate: parseInt(__ENV.RATE || '200', 10), timeUnit: '1s',
                        duration: __ENV.DURATION || '40s', preAllocatedVUs: 50, maxVUs: 400 } },
  thresholds: { http_req_failed: ['rate==0'], checks: ['rate==1'] },
};
export default function () { readRequest(); }
