// The lab's baseline: a moderate, steady load (10 users, 1 s pause between requests as stress.js).
import { sleep } from 'k6';
import { mixedRequest } from './lib.js';
const THINK = parseFloat(__ENV.THINK || '1');
export const options = {
  discardResponseBodies: true,
  stages: [{ duration: '20s', target: 10 }, { duration: '1m', target: 10 }, { duration: '10s', target: 0 }],
  thresholds: { http_req_failed: ['rate<0.001'], http_req_duration: ['p(95)<100'] },
};
export default function () { mixedRequest(); if (THINK > 0) sleep(THINK); }
