"""The table of scripts/bench compare: the stress profile's rounds of two builds, their medians
and the ratio, from the k6 summaries compare-before-N.json and compare-after-N.json.

    python3 scripts/py/compare_report.py RUNS-DIR BEFORE-LABEL AFTER-LABEL

writes RUNS-DIR/compare.md and prints it. Exits 1 when a run failed a request.
"""

import argparse
import glob
import os
import re
import statistics
import sys

import k6_summary


def rounds(directory, which):
    found = {}
    for path in glob.glob(os.path.join(directory, f"compare-{which}-*.json")):
        number = re.search(r"-(\d+)\.json$", path)
        if number:
            found[int(number.group(1))] = k6_summary.load(path)
    return [found[n] for n in sorted(found)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("before_label")
    parser.add_argument("after_label")
    args = parser.parse_args()
    before, after = rounds(args.directory, "before"), rounds(args.directory, "after")
    if not before or not after:
        sys.exit(f"no compare-before-N.json and compare-after-N.json summaries in {args.directory}")
    lines = [
        "# The lab's stress profile through the cluster, two builds in one run",
        "",
        f"before: `{args.before_label}` · after: `{args.after_label}` — 3 instances + Redis cache behind NGINX,",
        "alternating rounds (before, after; then after, before), so both see the same machine.",
        "",
        "| round | build | p95 (ms) | requests/s | failed / requests |",
        "|---:|---|---:|---:|---:|",
    ]
    for n, (b, a) in enumerate(zip(before, after, strict=False), start=1):
        for label, s in (("before", b), ("after", a)):
            lines.append(f"| {n} | {label} | {s.p95_ms:.1f} | {s.rps:.0f} | {s.failed} / {s.count} |")
    p95_before = statistics.median(s.p95_ms for s in before)
    p95_after = statistics.median(s.p95_ms for s in after)
    spread = max(max(s.p95_ms for s in runs) - min(s.p95_ms for s in runs) for runs in (before, after))
    lines += [
        "",
        f"Median p95: before {p95_before:.1f} ms, after {p95_after:.1f} ms — ratio after/before "
        f"**{p95_after / p95_before:.2f}**." + f" Run-to-run spread of one build: up to {spread:.1f} ms.",
        f"Failed requests: before {sum(s.failed for s in before)}, after {sum(s.failed for s in after)}.",
    ]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.directory, "compare.md"), "w") as f:
        f.write(text)
    print(text)
    if any(s.failed for s in before + after):
        sys.exit(1)


if __name__ == "__main__":
    main()
