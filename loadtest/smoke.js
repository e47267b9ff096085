// A few requests of every kind: the machinery works.
import { mixedRequest } from './lib.js';
export const options = {
  discardResponseBodies: true,
  vus: 2, duration: __ENV.DURATION || '10s',
  thresholds: { http_req_failed: ['rate<0.001'], http_req_duration: ['p(95)<200'], checks: ['rate>0.999'] },
};
export default function () { mixedRequest(); }
