// The lab's baseline: a moderate, steady load.
import { mixedRequest } from './lib.js';
export const options = {
  stages: [{ duration: '20s', target: 10 }, { duration: '1m', target: 10 }, { duration: '10s', target: 0 }],
  thresholds: { http_req_failed: ['rate<0.001'], http_req_duration: ['p(95)<100'] },
};
export default function () { mixedRequest(); }
