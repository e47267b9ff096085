// Ten minutes at a steady load: memory, connections and latency must stay flat.
import { mixedRequest } from './lib.js';
import { sleep } from 'k6';
export const options = {
  discardResponseBodies: true,
  stages: [{ duration: '30s', target: 30 }, { duration: __ENV.SOAK || '10m', target: 30 }, { duration: '10s', target: 0 }],
  thresholds: { http_req_failed: ['rate<0.001'], http_req_duration: ['p(95)<100'] },
};
export default function () { mixedRequest(); sleep(0.05); }
