// The lab's stress profile: ramp to 200 virtual users, each pausing THINK seconds between
// requests (default 1: the `sleep(1)` of the usual k6 script; the lab's own scripts are not in
// the seed). THINK=0 turns it into a closed-loop saturation test, where latency is only
// users ÷ throughput (the capacity test measures throughput properly). Thresholds are the target
// of the scaled, cached configuration: no failed request, p95 < 50 ms (P95_MS overrides the 50).
//
// The stock flows are on here (receipts at the warehouse, sales followed by a return: see
// lib.js); STOCK_FLOWS=0 gives the lab's exact mix. STAGES=short is a 20 s run up to 30 users
// (the CI step); STAGES='10s:20,30s:20,5s:0' sets any ramp (duration:target, comma-separated).
import { sleep } from 'k6';
import { mixedRequest, stockFlows } from './lib.js';
const THINK = parseFloat(__ENV.THINK || '1');
const FLOWS = stockFlows(true);
const P95_MS = parseFloat(__ENV.P95_MS || '50');

const LAB_STAGES = [
  { duration: '20s', target: 50 },
  { duration: '30s', target: 100 },
  { duration: '20s', target: 200 },
  { duration: '40s', target: 200 },
  { duration: '10s', target: 0 },
];
const SHORT_STAGES = [{ duration: '5s', target: 30 }, { duration: '12s', target: 30 }, { duration: '3s', target: 0 }];

function stages(spec) {
  if (!spec || spec === 'lab') return LAB_STAGES;
  if (spec === 'short') return SHORT_STAGES;
  return spec.split(',').map((stage) => {
    const m = /^\s*(\d+(?:\.\d+)?(?:ms|s|m|h))\s*:\s*(\d+)\s*$/.exec(stage);
    if (!m) throw new Error(`STAGES=${spec}: expected lab, short or duration:target,… (e.g. 10s:20,5s:0)`);
    return { duration: m[1], target: parseInt(m[2], 10) };
  });
}

export const options = {
  discardResponseBodies: true,
  stages: stages(__ENV.STAGES),
  thresholds: { http_req_failed: ['rate==0'], 'http_req_failed{method:GET}': ['rate==0'], http_req_duration: [`p(95)<${P95_MS}`] },
};
export default function () { mixedRequest(FLOWS); if (THINK > 0) sleep(THINK); }
