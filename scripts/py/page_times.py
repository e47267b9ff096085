"""Server-side render time of every page of the web interface, read from the instance's own metrics.

    python3 scripts/py/page_times.py PORT RUNS ENGINE REPORT

Against the instance on 127.0.0.1:PORT: requests every page once (warm-up), reads /metrics,
requests every page RUNS times (each must answer 200), reads /metrics again, and from the
difference of the magasin_http_request_duration_seconds histogram per route (GET, 2xx) appends to
REPORT a "## ENGINE" table: requests, median and p95 (interpolated in the buckets, as Prometheus'
histogram_quantile does) and the share under 50 ms. Prints the rows and the worst p95; exits 1 when
a page's p95 is 50 ms or more.
"""

import argparse
import sys
from collections import defaultdict

from magasin_http import request

PAGES = [
    "/",
    "/connexion",
    "/ventes/nouvelle",
    "/ventes/nouvelle?magasin=2",
    "/ventes",
    "/ventes/1",
    "/ventes/1/annulation",
    "/rapport",
    "/rapport.csv",
    "/stock",
    "/stock?magasin=3&q=a&tri=-quantite",
    "/entrepot",
    "/produits",
    "/produits?q=caf",
    "/produits/nouveau",
    "/produits/1",
    "/reapprovisionnement",
    "/observabilite",
]
NOT_PAGES = ("/api", "/static", "/metrics", "/health", "/swagger", "/observabilite.json")


def get(base, path):
    status, body = request("GET", base + path, token=False)
    if status != 200:
        sys.exit(f"{path} answered {status or 'nothing'}")
    return body


def histograms(text):
    """route → {upper bound: cumulative count} for GET requests answered 2xx."""
    out = defaultdict(dict)
    for line in text.splitlines():
        if not line.startswith("magasin_http_request_duration_seconds_bucket{"):
            continue
        labels, value = line[line.index("{") + 1 : line.rindex("}")], float(line.rsplit(" ", 1)[1])
        fields = dict(part.split("=", 1) for part in labels.replace('"', "").split(","))
        if fields.get("method") != "GET" or not fields.get("status", "").startswith("2"):
            continue
        le = float("inf") if fields["le"] == "+Inf" else float(fields["le"])
        out[fields["route"]][le] = out[fields["route"]].get(le, 0) + value
    return out


def quantile(buckets, q):
    items = sorted(buckets.items())
    total = items[-1][1]
    rank, lower, below = q * total, 0.0, 0.0
    for le, count in items:
        if count >= rank:
            if le == float("inf"):
                return lower
            inside = count - below
            return lower + (le - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = le, count
    return lower


def measure(port, runs, engine, report):
    base = f"http://127.0.0.1:{port}"
    for path in PAGES:
        get(base, path)
    before = histograms(get(base, "/metrics").decode())
    for path in PAGES:
        for _ in range(runs):
            get(base, path)
    after = histograms(get(base, "/metrics").decode())
    rows, worst = [], 0.0
    for route in sorted(after):
        if route.startswith(NOT_PAGES):
            continue
        window = {le: after[route][le] - before.get(route, {}).get(le, 0) for le in after[route]}
        total = window[float("inf")]
        if total == 0:
            continue
        p50, p95 = quantile(window, 0.5) * 1000, quantile(window, 0.95) * 1000
        under = window.get(0.05, 0) / total
        worst = max(worst, p95)
        rows.append(f"| `{route}` | {total:.0f} | {p50:.2f} | {p95:.2f} | {under * 100:.1f} % |")
    with open(report, "a") as f:
        f.write(f"\n## {engine}\n\n| page (route) | requests | median (ms) | p95 (ms) | under 50 ms |\n")
        f.write("|---|---:|---:|---:|---:|\n")
        f.write("\n".join(rows) + "\n")
    print("\n".join(rows))
    print(f"worst p95 on {engine}: {worst:.2f} ms")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("port", type=int, help="the instance's port on 127.0.0.1")
    parser.add_argument("runs", type=int, help="requests per page")
    parser.add_argument("engine", help="the report section's title (SQLite, PostgreSQL)")
    parser.add_argument("report", help="the Markdown file the table is appended to")
    args = parser.parse_args()
    worst = measure(args.port, args.runs, args.engine, args.report)
    sys.exit(0 if worst < 50 else 1)


if __name__ == "__main__":
    main()
