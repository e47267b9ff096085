// A sudden crowd: 10 → 300 virtual users in 5 s, held 30 s, then back.
import { mixedRequest } from './lib.js';
export const options = {
  discardResponseBodies: true,
  stages: [{ duration: '10s', target: 10 }, { duration: '5s', target: 300 }, { duration: '30s', target: 300 }, { duration: '10s', target: 10 }, { duration: '5s', target: 0 }],
  thresholds: { http_req_failed: ['rate<0.001'], http_req_duration: ['p(95)<250'] },
};
export default function () { mixedRequest(); }
