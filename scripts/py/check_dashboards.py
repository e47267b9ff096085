"""scripts/check-dashboards' steps: free ports, waits, and every dashboard query sent to Prometheus.

python3 scripts/py/check_dashboards.py ports N
    prints N free TCP ports on 127.0.0.1
python3 scripts/py/check_dashboards.py wait URL WHAT DEADLINE [PID]
    until URL answers 200; exits 1 at DEADLINE (Unix time) or when process PID has exited
python3 scripts/py/check_dashboards.py wait-scraped PROMETHEUS DEADLINE
    until Prometheus has scraped magasin successfully (up{job="magasin"} == 1)
python3 scripts/py/check_dashboards.py check ROOT PROMETHEUS CACHE_ON DEADLINE
    lints every dashboard of ROOT/deploy/grafana/dashboards/ (schema 39, uid, title, panel
    types, descriptions, units, the prometheus datasource, refIds), then sends every variable
    and panel query to PROMETHEUS and prints one line per check: OK, EMPTY, NAN or ERROR.
    cache.json is skipped unless CACHE_ON is 1. Exits 1 unless every check is OK.
"""

import argparse
import glob
import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from magasin_http import request


def left(deadline):
    return float(deadline) - time.time()


def ports(n):
    sockets = [socket.socket() for _ in range(int(n))]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    print(" ".join(str(s.getsockname()[1]) for s in sockets))
    for s in sockets:
        s.close()


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(int(pid), 0)
            return True
        except OSError:
            return False


def wait(url, what, deadline, pid=None):
    while left(deadline) > 0:
        if pid and not alive(pid):
            sys.exit(f"{what} exited before answering {url}")
        status, _ = request("GET", url, timeout=2, token=False)
        if status == 200:
            return
        time.sleep(0.2)
    sys.exit(f"{what} did not answer 200 at {url} in time")


def wait_scraped(prom, deadline):
    query = urllib.parse.urlencode({"query": 'up{job="magasin"} == 1'})
    while left(deadline) > 0:
        status, body = request("GET", f"{prom}/api/v1/query?{query}", timeout=2, token=False)
        if status == 200 and json.loads(body)["data"]["result"]:
            return
        time.sleep(0.3)
    sys.exit("Prometheus never scraped magasin successfully (up == 1)")


def substitute(expr):
    """Grafana's variables as the check evaluates them. Returns (expr, problem)."""
    bad = re.search(r'instance_id\s*(=|!=|!~)\s*"\$\{?instance_id\}?"', expr)
    if bad:
        return expr, 'the instance_id variable is multi-valued: use instance_id=~"$instance_id"'
    expr = re.sub(r"\$\{instance_id(:\w+)?\}|\$instance_id\b|\[\[instance_id\]\]", ".*", expr)
    for name, value in (("__rate_interval", "1m"), ("__interval", "15s"), ("__range", "5m")):
        expr = re.sub(r"\$\{" + name + r"\}|\$" + name + r"\b", value, expr)
    leftover = re.search(r"\$\{?\w+|\[\[\w+\]\]", expr)
    if leftover:
        return expr, f"unknown variable {leftover.group(0)}"
    return expr, None


def query(prom, expr, timeout=10):
    url = f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=max(1, min(10, timeout))) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except ValueError:
            return {"status": "error", "error": f"HTTP {e.code}"}
    except (urllib.error.URLError, OSError) as e:
        return {"status": "error", "error": str(e)}


def lint(name, dashboard):
    problems = []
    if dashboard.get("schemaVersion") != 39:
        problems.append(f"schemaVersion is {dashboard.get('schemaVersion')}, expected 39")
    for key in ("uid", "title"):
        if not dashboard.get(key):
            problems.append(f"no {key}")
    panels, ids = [], set()
    for panel in dashboard.get("panels", []):
        panels.append(panel)
        panels.extend(panel.get("panels", []))  # panels of collapsed rows
    for panel in panels:
        title = panel.get("title", f"panel {panel.get('id')}")
        if panel.get("id") in ids:
            problems.append(f"{title}: duplicate panel id {panel.get('id')}")
        ids.add(panel.get("id"))
        if panel.get("type") == "row":
            continue
        if panel.get("type") not in ("timeseries", "stat"):
            problems.append(f"{title}: panel type {panel.get('type')} (timeseries and stat only)")
        if not (panel.get("description") or "").strip():
            problems.append(f"{title}: no description")
        if not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            problems.append(f"{title}: no unit")
        if not panel.get("targets"):
            problems.append(f"{title}: no query")
        for source in [panel.get("datasource")] + [t.get("datasource") for t in panel.get("targets", [])]:
            if source is not None and source.get("uid") != "prometheus":
                problems.append(f"{title}: datasource {source} is not uid prometheus")
        refs = [t.get("refId") for t in panel.get("targets", [])]
        if len(set(refs)) != len(refs) or None in refs:
            problems.append(f"{title}: missing or duplicate refId")
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query" and (variable.get("datasource") or {}).get("uid") != "prometheus":
            problems.append(f"variable {variable.get('name')}: datasource is not uid prometheus")
    return [(name, "lint", p) for p in problems], panels


class Results:
    def __init__(self):
        self.counts = {"OK": 0, "EMPTY": 0, "ERROR": 0}

    def report(self, kind, where, detail, expr=None):
        self.counts["OK" if kind == "OK" else ("EMPTY" if kind in ("EMPTY", "NAN") else "ERROR")] += 1
        print(f"{kind:<6} {where}: {detail}")
        if expr is not None and kind != "OK":
            print("       " + expr.replace("\n", "\n       "))


def check_variables(results, name, dashboard, prom, deadline):
    for variable in dashboard.get("templating", {}).get("list", []):
        q = variable.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        m = re.fullmatch(r"\s*label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)\s*", q)
        if variable.get("type") != "query":
            continue
        where = f"{name} variable ${variable.get('name')}"
        if not m:
            results.report("ERROR", where, f"unsupported variable query {q!r}")
            continue
        answer = query(prom, f"count by ({m.group(2)}) ({m.group(1)})", left(deadline))
        found = [r["metric"].get(m.group(2)) for r in answer.get("data", {}).get("result", [])]
        if answer.get("status") != "success":
            results.report("ERROR", where, answer.get("error"), q)
        elif not found:
            results.report("EMPTY", where, "no values", q)
        else:
            results.report("OK", where, f"values {', '.join(sorted(found))}")


def check_target(results, where, target, prom, deadline):
    if left(deadline) <= 0:
        results.report("ERROR", where, "not checked: the run is out of time")
        return
    raw = target.get("expr", "")
    expr, problem = substitute(raw)
    if problem:
        results.report("ERROR", where, problem, raw)
        return
    answer = query(prom, expr, left(deadline))
    if answer.get("status") != "success":
        results.report("ERROR", where, f"{answer.get('errorType', '')} {answer.get('error')}".strip(), expr)
        return
    data = answer["data"]
    series = data["result"] if data["resultType"] in ("vector", "matrix") else [data["result"]]
    if not series:
        results.report("EMPTY", where, "no series", expr)
        return
    values = [s["value"][1] if "value" in s else s[1] for s in series]
    if all(v.lower() == "nan" for v in values):
        results.report("NAN", where, f"{len(series)} series, all NaN (no observation in the window)", expr)
        return
    wanted = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat") or ""))
    missing = sorted({label for s in series for label in wanted if label not in s.get("metric", {})})
    if missing:
        results.report("ERROR", where, f"legend uses {', '.join(missing)}, absent from the result", expr)
        return
    shown = [float(v) for v in values if v.lower() != "nan"]
    results.report("OK", where, f"{len(series)} series, max {max(shown):.4g}")


def check(root, prom, cache_on, deadline):
    results = Results()
    for path in sorted(glob.glob(os.path.join(root, "deploy/grafana/dashboards/*.json"))):
        name = os.path.basename(path)
        if name == "cache.json" and not cache_on:
            print(
                f"SKIP   {name}: CHECK_DASHBOARDS_CACHE is not set, so this run has no cache and no cache series "
                f"(run with CHECK_DASHBOARDS_CACHE='--cache local' to check it)"
            )
            continue
        try:
            with open(path) as f:
                dashboard = json.load(f)
        except ValueError as e:
            results.report("ERROR", name, f"not valid JSON: {e}")
            continue
        problems, panels = lint(name, dashboard)
        for _, _, problem in problems:
            results.report("ERROR", f"{name} (lint)", problem)
        check_variables(results, name, dashboard, prom, deadline)
        for panel in panels:
            for target in panel.get("targets", []):
                where = f"{name} / {panel.get('title')} [{target.get('refId')}]"
                check_target(results, where, target, prom, deadline)
    counts = results.counts
    total = sum(counts.values())
    print(f"{counts['OK']} of {total} checks passed; {counts['EMPTY']} empty or NaN, {counts['ERROR']} errors")
    return 1 if counts["OK"] != total else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("ports", help="print N free TCP ports on 127.0.0.1")
    p.add_argument("n", type=int)
    p = commands.add_parser("wait", help="wait until URL answers 200")
    p.add_argument("url")
    p.add_argument("what", help="what answers there, for the messages")
    p.add_argument("deadline", help="Unix time")
    p.add_argument("pid", nargs="?", help="fail at once when this process has exited")
    p = commands.add_parser("wait-scraped", help="wait until Prometheus has scraped magasin")
    p.add_argument("prometheus", help="http://127.0.0.1:PORT")
    p.add_argument("deadline", help="Unix time")
    p = commands.add_parser("check", help="lint the dashboards and send every query")
    p.add_argument("root", help="the repository")
    p.add_argument("prometheus", help="http://127.0.0.1:PORT")
    p.add_argument("cache_on", choices=["0", "1"], help="1 when the instance runs with a cache")
    p.add_argument("deadline", help="Unix time")
    args = parser.parse_args()
    if args.command == "ports":
        ports(args.n)
    elif args.command == "wait":
        wait(args.url, args.what, args.deadline, args.pid)
    elif args.command == "wait-scraped":
        wait_scraped(args.prometheus, args.deadline)
    elif args.command == "check":
        sys.exit(check(args.root, args.prometheus, args.cache_on == "1", args.deadline))


if __name__ == "__main__":
    main()
