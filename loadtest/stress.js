// The lab's stress profile: ramp to 200 virtual users without pause between requests.
// Thresholds are the target of the scaled, cached configuration: no failed request, p95 < 50 ms.
import { mixedRequest } from './lib.js';
export const options = {
  stages: [
    { duration: '20s', target: 50 },
    { duration: '30s', target: 100 },
    { duration: '20s', target: 200 },
    { duration: '40s', target: 200 },
    { duration: '10s', target: 0 },
  ],
  thresholds: { http_req_failed: ['rate==0'], 'http_req_failed{method:GET}': ['rate==0'], http_req_duration: ['p(95)<50'] },
};
export default function () { mixedRequest(); }
