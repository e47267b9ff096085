"""Server-side time of the till's search with a real catalogue, read from the instance's own metrics.

    python3 scripts/py/till_search_times.py PORT STORE PRODUCTS RUNS CLIENTS ENGINE REPORT

Against the instance on 127.0.0.1:PORT, whose catalogue holds PRODUCTS synthetic products
(`magasin seed synthetic`: names "Produit 00042", SKUs MAG-00042, barcodes 200…): sends RUNS
searches to GET /api/v1/stores/STORE/till-search/ from CLIENTS threads at once — what a till
sends as the cashier types and scans: barcodes, SKUs, two to four letters of a name (the worst
case: "pr" holds in every name), a name's number — each must answer 200. Then from the
difference of the magasin_http_request_duration_seconds histogram of that route (read from
/metrics before and after) appends to REPORT a "## ENGINE" table: requests, median, p95, p99
(interpolated in the buckets as Prometheus' histogram_quantile does) and the share under 10 ms.
Exits 1 when the p95 is 10 ms or more.
"""

import argparse
import random
import sys
import threading
import urllib.parse

from magasin_http import request
from page_times import histograms, quantile

ROUTE = "/api/v1/stores/{id}/till-search/"
BUDGET_MS = 10.0


def barcode(product):
    """The house barcode of a product: 200, its id on 9 digits, the EAN-13 check digit."""
    digits = f"200{product % 1_000_000_000:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def searches(products, count, seed=42):
    rng = random.Random(seed)
    kinds = [
        lambda: barcode(rng.randint(1, products)),
        lambda: f"mag-{rng.randint(1, products):05d}",
        lambda: rng.choice(["pr", "pro", "prod", "du", "it", "uit "]),
        lambda: f"{rng.randint(1, products):05d}",
        lambda: f"produit {rng.randint(0, products // 100):03d}",
    ]
    return [rng.choice(kinds)() for _ in range(count)]


def metrics(base):
    status, body = request("GET", base + "/metrics", token=False)
    if status != 200:
        sys.exit(f"/metrics answered {status or 'nothing'}")
    return histograms(body.decode()).get(ROUTE, {})


def measure(port, store, products, runs, clients, engine, report):
    base = f"http://127.0.0.1:{port}"
    path = f"/api/v1/stores/{store}/till-search/?q="
    queries = searches(products, runs)
    failures = []

    def client(part):
        for q in part:
            status, _ = request("GET", base + path + urllib.parse.quote(q), token=False)
            if status != 200:
                failures.append((q, status))

    for q in queries[:20]:  # warm-up
        request("GET", base + path + urllib.parse.quote(q), token=False)
    before = metrics(base)
    threads = [threading.Thread(target=client, args=(queries[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit(f"{len(failures)} searches failed, e.g. {failures[:3]}")
    after = metrics(base)
    window = {le: after[le] - before.get(le, 0) for le in after}
    total = window[float("inf")]
    p50, p95, p99 = (quantile(window, q) * 1000 for q in (0.5, 0.95, 0.99))
    under = window.get(0.01, 0) / total
    row = f"| {engine} | {total:.0f} | {clients} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {under * 100:.1f} % |"
    with open(report, "a") as f:
        f.write(row + "\n")
    print(row)
    return p95


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("port", type=int)
    parser.add_argument("store", type=int)
    parser.add_argument("products", type=int)
    parser.add_argument("runs", type=int)
    parser.add_argument("clients", type=int)
    parser.add_argument("engine")
    parser.add_argument("report")
    args = parser.parse_args()
    p95 = measure(args.port, args.store, args.products, args.runs, args.clients, args.engine, args.report)
    sys.exit(0 if p95 < BUDGET_MS else 1)


if __name__ == "__main__":
    main()
