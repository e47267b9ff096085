"""A runnable copy of deploy/prometheus/prometheus.yml for a Prometheus started on this machine.

    python3 scripts/py/prometheus_config.py SOURCE OUT TARGETS_OUT TARGET... \\
        [--labels-from FILE] [--interval 1s] [--quiet]

Writes OUT: SOURCE with its rule files made absolute (they stay where SOURCE is) and its
file_sd_configs pointing at TARGETS_OUT; with --interval, scrape and evaluation every INTERVAL.
Writes TARGETS_OUT: the TARGETs (host:port) with the labels of the first group of --labels-from
(a file_sd targets file, deploy/prometheus/targets/magasin.json). Exits 1 when SOURCE has no
rule_files list or no file_sd_configs files list to rewrite.
"""

import argparse
import json
import os
import re
import sys


def set_interval(text, interval):
    for key in ("scrape_interval", "evaluation_interval"):
        text, n = re.subn(rf"(?m)^(\s*){key}:\s*\S+", rf"\g<1>{key}: {interval}", text)
        if n == 0:
            text, n = re.subn(r"(?m)^global:\s*$", f"global:\n  {key}: {interval}", text, count=1)
        if n == 0:
            text = f"global:\n  {key}: {interval}\n" + text
    return text


def absolute_rules(text, base):
    """The rule_files entries as absolute paths; returns (text, how many)."""
    out_lines, in_rules, rules = [], False, 0
    for line in text.splitlines():
        if re.match(r"^rule_files:\s*$", line):
            in_rules = True
        elif in_rules and re.match(r"^\S", line):
            in_rules = False
        m = re.match(r"^(\s*-\s*)(['\"]?)([^'\"#\s]+)\2(.*)$", line) if in_rules else None
        if m:
            path = m.group(3) if os.path.isabs(m.group(3)) else os.path.join(base, m.group(3))
            line, rules = f"{m.group(1)}{json.dumps(path)}{m.group(4)}", rules + 1
        out_lines.append(line)
    return "\n".join(out_lines) + "\n", rules


def target_files(text, targets_out):
    """Every file_sd_configs files list replaced by [targets_out]; returns (text, how many)."""
    files = json.dumps([targets_out])
    text, n_flow = re.subn(r"(?m)^(\s*-?\s*files:\s*)\[[^\]]*\]", lambda m: m.group(1) + files, text)
    text, n_block = re.subn(
        r"(?m)^(\s*-?\s*)files:\s*\n(?:\1\s+-\s*.*\n)+", lambda m: f"{m.group(1)}files: {files}\n", text
    )
    return text, n_flow + n_block


def write(source, out, targets_out, targets, labels_from=None, interval=None):
    """Writes both files; returns the number of rule files."""
    with open(source) as f:
        text = f.read()
    if interval:
        text = set_interval(text, interval)
    text, rules = absolute_rules(text, os.path.dirname(os.path.abspath(source)))
    text, files = target_files(text, targets_out)
    if rules == 0 or files == 0:
        sys.exit(f"cannot rewrite {source}: expected a rule_files list and a file_sd_configs files list")
    with open(out, "w") as f:
        f.write(text)
    groups = [{}]
    if labels_from and os.path.exists(labels_from):
        with open(labels_from) as f:
            groups = json.load(f)
    labels = groups[0].get("labels", {}) if groups else {}
    with open(targets_out, "w") as f:
        json.dump([{"targets": list(targets), "labels": labels}], f)
    return rules


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="deploy/prometheus/prometheus.yml")
    parser.add_argument("out", help="the configuration to write")
    parser.add_argument("targets_out", help="the targets file to write (file_sd JSON)")
    parser.add_argument("targets", nargs="+", metavar="target", help="host:port of an instance to scrape")
    parser.add_argument("--labels-from", help="a targets file whose first group's labels the targets get")
    parser.add_argument("--interval", help="scrape and evaluation interval, e.g. 1s (default: as in SOURCE)")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args()
    rules = write(args.source, args.out, args.targets_out, args.targets, args.labels_from, args.interval)
    if not args.quiet:
        print(f"Prometheus config: {args.out} ({rules} rule files, targets {args.targets_out})")


if __name__ == "__main__":
    main()
