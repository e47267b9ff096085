"""The study's table and chart from the k6 summaries of scripts/bench study.

    python3 scripts/py/study_report.py results/<date>

reads study-{a,b,c,d}-stress.json and study-*-capacity.txt in that folder (a configuration without
a stress summary is left out), writes study.md (the lab's table, also printed) and study.svg (p95,
average throughput and capacity per configuration).
"""

import argparse
import os

from k6_summary import load

ROWS = [
    ("a", "1 instance, no cache"),
    ("b", "3 instances behind NGINX, no cache"),
    ("c", "3 instances + two-tier cache (moka + Redis)"),
    ("d", "(c) with one instance killed mid-run"),
]


def table(out):
    """The table's lines, and per configuration shown: (key, label, p95, throughput, capacity)."""
    lines = [
        "| Test | p95 latency | Error rate | Throughput avg (req/s) | Max throughput (req/s, p95 < 100 ms) "
        "| Failed requests |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    data = []
    for key, label in ROWS:
        name = f"study-{key}"
        if not os.path.exists(f"{out}/{name}-stress.json"):
            continue
        s = load(f"{out}/{name}-stress.json")
        capacity_file = f"{out}/{name}-capacity.txt"
        if os.path.exists(capacity_file):
            with open(capacity_file) as f:
                cap = f.read().strip()
        else:
            cap = "—"
        extra = f" (GET: {s.get_failed})" if key == "d" else ""
        lines.append(
            f"| ({key}) {label} | {s.p95_ms:.1f} ms | {s.error_rate * 100:.2f} % | {s.rps:.0f} | {cap} "
            f"| {s.failed}{extra} of {s.count} |"
        )
        data.append((key, label, s.p95_ms, s.rps, cap))
    return lines, data


def capacity_of(d):
    """None when not measured (the failover run has no capacity test)."""
    return float(d[4]) if d[4].isdigit() else None


def chart(bars):
    """p95, average throughput and capacity per configuration, as a small SVG."""
    w, h, pad, gap = 900, 360, 30, 30
    panels = [
        ("p95 latency under stress (ms)", lambda d: d[2], "#c0392b"),
        ("throughput under stress (req/s)", lambda d: d[3], "#2471a3"),
        ("capacity: req/s at p95 &lt; 100 ms", capacity_of, "#1e8449"),
    ]
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="20" y="24" font-size="15" font-weight="bold">magasin: the lab\'s stress profile '
        "(200 virtual users) and a capacity test (open model)</text>",
    ]
    panel_w = (w - 2 * pad - 2 * gap) / len(panels)
    top, bottom = 80, h - 95
    for i, (title, value, color) in enumerate(panels):
        x0 = pad + i * (panel_w + gap)
        svg.append(f'<text x="{x0}" y="56" font-weight="bold">{title}</text>')
        maxv = max([value(d) or 0 for d in bars] + [1])
        bw = panel_w / max(1, len(bars))
        for j, d in enumerate(bars):
            v = value(d)
            bh = (bottom - top) * (v or 0) / maxv
            x = x0 + j * bw
            y = bottom - bh
            svg.append(f'<rect x="{x + 6:.1f}" y="{y:.1f}" width="{bw - 12:.1f}" height="{bh:.1f}" fill="{color}"/>')
            label = "—" if v is None else f"{v:.0f}"
            svg.append(f'<text x="{x + bw / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{label}</text>')
            svg.append(f'<text x="{x + bw / 2:.1f}" y="{bottom + 16}" text-anchor="middle">({d[0]})</text>')
        svg.append(f'<line x1="{x0}" y1="{bottom}" x2="{x0 + panel_w}" y2="{bottom}" stroke="#888"/>')
    for k, d in enumerate(bars):
        svg.append(f'<text x="20" y="{bottom + 40 + 15 * k}" fill="#444">({d[0]}) {d[1]}</text>')
    svg.append("</svg>")
    return svg


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="the study's folder, results/<date>")
    out = parser.parse_args().out
    lines, data = table(out)
    with open(f"{out}/study.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    with open(f"{out}/study.svg", "w") as f:
        f.write("\n".join(chart(data)))


if __name__ == "__main__":
    main()
