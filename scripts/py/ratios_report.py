#!/usr/bin/env python3
"""The figures of `scripts/bench ratios`, and its table and chart.

  ratios_report.py wrk FILE        wrk's output → "rate failed p50_ms p99_ms" (rate: 2xx per second)
  ratios_report.py pgbench FILE    pgbench's output → "tps 0 0 0"
  ratios_report.py redis FILE      redis-benchmark -q's output → "rate 0 0 0"
  ratios_report.py timings         seconds on stdin, one per line → "median_ms 0 p95_ms 0"
  ratios_report.py write FIGURES OUT [--no-targets] [--duration D] [--repeat N] [--sales N] [--runs N] --queries Q…
      writes OUT/ratios.md (printed too) and OUT/ratios.svg; exits 1 when a row misses its target
      (unless --no-targets).

FIGURES holds lines "key value failed p50 p99". The rows, their references and targets are below.
"""

import argparse
import re
import statistics
import sys
from datetime import date

TIMING_BUDGET_MS = 100.0
MEMORY_BUDGET_MIB = 100.0

REFERENCES = [
    ("ref_nginx", "NGINX, a static 2 KB JSON file"),
    ("ref_select", "`pgbench -S` (point SELECT), scale 10"),
    ("ref_tpcb", "`pgbench` TPC-B, scale 10"),
    ("ref_redis", "`redis-benchmark` GET"),
]


def ratio_rows(queries):
    """(key, what, reference key, target ratio or None)."""
    rows = [
        ("cached_local", "cached `GET /api/v1/stores/1/stock/`, one instance, `--cache local`", "ref_nginx", 0.5),
        ("cached_redis", "the same, `--cache redis`", "ref_nginx", 0.35),
        ("cached_redis_bounded", "the same, `--cache redis --cache-staleness-ms 100`", "ref_nginx", None),
        ("cached_nginx3", "the same through NGINX, 3 instances + Redis", "ref_nginx", 0.3),
        ("product", "`GET /api/v1/products/1/` uncached, PostgreSQL", "ref_select", 0.5),
        (
            "list_demo",
            "stock list, demo data, `produit__nom=Café&ordering=-quantite`, uncached, PostgreSQL",
            "ref_select",
            0.3,
        ),
    ]
    for i, q in enumerate(queries):
        rows.append(
            (f"list_big_{i}", f"stock list, 2,000 products per store, `{q}`, uncached, PostgreSQL", "ref_select", 0.1)
        )
    rows.append(("sale_postgres", "two-line sale, PostgreSQL", "ref_tpcb", 0.5))
    rows.append(("sale_sqlite", "two-line sale, SQLite", None, None))
    return rows


TIMINGS = [
    ("report_postgres", "report (`GET /api/v1/reports/`) uncached, PostgreSQL"),
    ("dashboard_postgres", "dashboard (`GET /api/v1/dashboard/`) uncached, PostgreSQL"),
    ("report_sqlite", "report uncached, SQLite"),
    ("dashboard_sqlite", "dashboard uncached, SQLite"),
]

MEMORY = [
    ("memory_local", "one instance, `--cache local`, after its run"),
    ("memory_nginx3", "instance 1 of 3 + Redis, after its run"),
    ("memory_big", "one instance, 2,000 products per store, after lists, reports and sales"),
]


def millis(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(path):
    return parse_wrk_text(open(path).read())


def parse_wrk_text(text):
    r"""wrk's output → "rate failed p50_ms p99_ms". wrk pads a latency in seconds with a space:

    >>> parse_wrk_text(
    ...     "  Latency Distribution\n     50%    0.94ms\n     99%    1.39s \n"
    ...     "  366460 requests in 10.02s, 426.37MB read\n"
    ...     "  Socket errors: connect 0, read 0, write 0, timeout 56\n"
    ... )
    '36572.9 56 0.940 1390.000'
    """
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    if not total:
        return "0 0 0 0"
    requests = int(total.group(1))
    seconds = millis(total.group(2) + total.group(3)) / 1000.0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    failed = int(non_2xx.group(1)) if non_2xx else 0
    failed += sum(int(g) for g in errors.groups()) if errors else 0
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", text, re.M))
    p50 = millis(latency["50"]) if "50" in latency else 0.0
    p99 = millis(latency["99"]) if "99" in latency else 0.0
    ok = max(requests - (int(non_2xx.group(1)) if non_2xx else 0), 0)
    return f"{ok / seconds:.1f} {failed} {p50:.3f} {p99:.3f}"


def parse_pgbench(path):
    found = re.search(r"tps = ([\d.]+)", open(path).read())
    return f"{float(found.group(1)) if found else 0:.1f} 0 0 0"


def parse_redis(path):
    # -q prints progress lines with carriage returns; the last "GET: N requests per second" counts.
    found = re.findall(r"GET: ([\d.]+) requests per second", open(path).read())
    return f"{float(found[-1]) if found else 0:.1f} 0 0 0"


def parse_timings(lines):
    times = sorted(float(line) * 1000 for line in lines if line.strip())
    if not times:
        return "0 0 0 0"
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    return f"{statistics.median(times):.1f} 0 {p95:.1f} 0"


def load(path):
    figures = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 2:
            figures[parts[0]] = [float(p) for p in parts[1:]] + [0.0] * (5 - len(parts))
    return figures


def chart(rows, figures):
    """Horizontal bars: each row's ratio to its reference, its target as a tick."""
    shown = [
        (what, figures[key][0] / figures[ref][0], target)
        for key, what, ref, target in rows
        if ref and key in figures and figures.get(ref, [0])[0] > 0
    ]
    label_w, bar_w, row_h, top = 660, 420, 24, 50
    w, h = label_w + bar_w + 80, top + row_h * len(shown) + 40
    scale = max([1.0] + [r for _, r, _ in shown])
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
        f'<rect width="{w}" height="{h}" fill="white"/>',
        '<text x="20" y="24" font-size="15" font-weight="bold">magasin / the machine\'s reference '
        "(higher is better; the black tick is the target)</text>",
    ]
    for i, (what, ratio, target) in enumerate(shown):
        y = top + i * row_h
        met = target is None or ratio >= target
        color = "#3a7d44" if met else "#d9822b"
        svg.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(plain(what))}</text>')
        svg.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * ratio / scale:.1f}" height="{row_h - 8}" fill="{color}"/>'
        )
        end = max(ratio, target or 0)  # the figure after the bar and the target's tick
        svg.append(f'<text x="{label_w + bar_w * end / scale + 6:.1f}" y="{y + 15}">{ratio:.2f}</text>')
        if target is not None:
            x = label_w + bar_w * target / scale
            svg.append(
                f'<line x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + row_h - 3}" stroke="black" stroke-width="2"/>'
            )
    bottom = top + row_h * len(shown) + 4
    svg.append(f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{bottom}" stroke="#888"/>')
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def plain(text):
    return text.replace("`", "")


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write(args):
    figures = load(args.figures)
    rows = ratio_rows(args.queries)
    missed = []
    lines = [
        f"# magasin beside the machine's references ({date.today().isoformat()})",
        "",
        f"`scripts/bench ratios --duration {args.duration} --repeat {args.repeat} --sales {args.sales}"
        f" --runs {args.runs}`{' --no-targets' if args.no_targets else ''}: every HTTP figure by wrk -t2 -c64"
        f" for {args.duration}, the median of {args.repeat} run{'s' if args.repeat != 1 else ''} by throughput;"
        " pgbench and redis-benchmark with 64 clients, all on the same machine in one run.",
        f"History: {int(figures.get('history_lines', [0])[0]):,} sale lines ({args.sales:,} sales) on each engine.",
        "",
        "## References",
        "",
        "| reference | per second |",
        "|---|---:|",
    ]
    for key, what in REFERENCES:
        lines.append(f"| {what} | {figures.get(key, [0])[0]:,.0f} |")
    lines += [
        "",
        "## Throughput",
        "",
        "| path | magasin (per second) | p50 / p99 (ms) | failed | reference | ratio | target |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    names = dict(REFERENCES)
    for key, what, ref, target in rows:
        rate, failed, p50, p99 = figures.get(key, [0, 0, 0, 0])[:4]
        base = figures.get(ref, [0])[0] if ref else 0
        ratio = rate / base if base else None
        verdict = ""
        if target is not None:
            ok = ratio is not None and ratio >= target
            verdict = f"≥ {target} {'✓' if ok else '✗'}"
            if not ok:
                missed.append(f"{plain(what)}: {ratio or 0:.2f} < {target}")
        if key.startswith("cached") or key.startswith("list") or key == "product":
            if failed:
                missed.append(f"{plain(what)}: {int(failed)} failed requests")
        shown_ratio = f"{ratio:.2f}" if ratio is not None else "—"
        reference = names.get(ref, "—") if ref else "—"
        lines.append(
            f"| {what} | {rate:,.0f} | {p50:.2f} / {p99:.2f} | {int(failed)} | "
            f"{reference} | {shown_ratio} | {verdict or '—'} |"
        )
    lines += [
        "",
        "Failed sales are refusals for want of stock (409) as the random sales empty shelves.",
        "",
        f"## Report and dashboard, uncached (median and p95 of {args.runs} requests in sequence)",
        "",
        "| request | median (ms) | p95 (ms) | budget |",
        "|---|---:|---:|---:|",
    ]
    for key, what in TIMINGS:
        median, _, p95, _ = figures.get(key, [0, 0, 0, 0])[:4]
        ok = 0 < median < TIMING_BUDGET_MS
        if not ok:
            missed.append(f"{plain(what)}: median {median:.1f} ms")
        lines.append(f"| {what} | {median:.1f} | {p95:.1f} | < {TIMING_BUDGET_MS:.0f} ms {'✓' if ok else '✗'} |")
    lines += ["", "## Peak resident memory of an instance", "", "| instance | MiB | budget |", "|---|---:|---:|"]
    for key, what in MEMORY:
        mib = figures.get(key, [0])[0]
        ok = 0 < mib < MEMORY_BUDGET_MIB
        if not ok:
            missed.append(f"{what}: {mib:.0f} MiB")
        lines.append(f"| {what} | {mib:.1f} | < {MEMORY_BUDGET_MIB:.0f} {'✓' if ok else '✗'} |")
    lines += ["", "![ratios](ratios.svg)", ""]
    if missed:
        lines += ["Below target:", ""] + [f"- {m}" for m in missed] + [""]
    text = "\n".join(lines)
    with open(f"{args.out}/ratios.md", "w") as f:
        f.write(text)
    with open(f"{args.out}/ratios.svg", "w") as f:
        f.write(chart(rows, figures))
    print(text)
    print(f"written: {args.out}/ratios.md, {args.out}/ratios.svg")
    if missed and not args.no_targets:
        print(f"{len(missed)} row(s) below target", file=sys.stderr)
        return 1
    return 0


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "wrk":
        print(parse_wrk(sys.argv[2]))
    elif command == "pgbench":
        print(parse_pgbench(sys.argv[2]))
    elif command == "redis":
        print(parse_redis(sys.argv[2]))
    elif command == "timings":
        print(parse_timings(sys.stdin))
    elif command == "write":
        parser = argparse.ArgumentParser(prog="ratios_report.py write")
        parser.add_argument("figures")
        parser.add_argument("out")
        parser.add_argument("--no-targets", action="store_true")
        parser.add_argument("--duration", default="10s")
        parser.add_argument("--sales", type=int, default=0)
        parser.add_argument("--runs", type=int, default=0)
        parser.add_argument("--repeat", type=int, default=1)
        parser.add_argument("--queries", nargs="+", default=[])
        return write(parser.parse_args(sys.argv[2:]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
