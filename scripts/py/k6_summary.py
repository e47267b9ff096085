"""The figures scripts/bench reads from one k6 summary (the file k6 run --summary-export writes).

    python3 scripts/py/k6_summary.py SUMMARY.json

prints one line: p95_ms error_rate avg_rps failed get_failed count — p95 latency in ms, the share
of failed requests, the average throughput, the failed requests, the failed GET requests and all
requests.
"""

import argparse
import json
from typing import NamedTuple


class Summary(NamedTuple):
    p95_ms: float
    error_rate: float
    rps: float
    failed: int
    get_failed: int
    count: int


def load(path):
    with open(path) as f:
        metrics = json.load(f)["metrics"]
    rate = metrics.get("http_req_failed", {}).get("value", 0.0)
    gets = metrics.get("http_req_failed{method:GET}", {}).get("value", 0.0)
    reqs = metrics["http_reqs"]
    return Summary(
        p95_ms=metrics["http_req_duration"]["p(95)"],
        error_rate=rate,
        rps=reqs["rate"],
        failed=round(rate * reqs["count"]),
        get_failed=round(gets * reqs["count"]),
        count=reqs["count"],
    )


def line(s):
    return f"{s.p95_ms:.1f} {s.error_rate:.4f} {s.rps:.0f} {s.failed} {s.get_failed} {s.count}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("summary", help="a k6 summary export (JSON)")
    print(line(load(parser.parse_args().summary)))


if __name__ == "__main__":
    main()
