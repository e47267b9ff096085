"""PostgreSQL stopped and started again in the middle of a load, through the cluster.

    python3 scripts/py/outage_check.py --balancer URL --instances URL [URL…] --stop CMD --start CMD
                                       [--before 4] [--outage 8] [--after 4] [--recovery-limit 10]

Writers record two-line sales in stores 1 and 2 (each with its own Idempotency-Key) and readers
read what the writers never change (stores 3 to 5, products), both through the balancer, while
--stop (a shell command) stops the database and, --outage seconds later, --start starts it again.
Exits 1 unless:
- every answer is a 200, 201, 409 or 503 — never a 500, a 502 or no answer;
- every 503 carries Retry-After and the contract's JSON body;
- writes sent while the database was down answer 503 (at least one did), and reads of what the
  caches hold answer 200 from them;
- readiness says 503 on every instance during the outage, 200 again after it;
- a write succeeds within --recovery-limit seconds of the database's return, with no restart;
- nothing is half-written or written twice: every refused sale sent again with its key is recorded
  once, and the sales now in stores 1 and 2 are exactly those the writers were told of, each whole.
"""

import argparse
import itertools
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from magasin_http import call_json, exchange

WRITE_STORES = (1, 2)
READS = [
    "/api/v1/stores/3/stock/",
    "/api/v1/stores/4/stock/",
    "/api/v1/stores/5/stock/",
    "/api/v1/stores/3/stock/list/?ordering=-quantite",
    "/api/v1/products/1/",
    "/api/v1/products/2/",
    "/api/v1/products/3/",
]
ACCEPTED = {200, 201, 409, 503}


@dataclass
class Answer:
    kind: str  # "write" or "read"
    target: str  # the idempotency key of a write, the path of a read
    sent: float
    received: float
    status: int
    retry_after: str | None
    body: bytes


@dataclass
class Run:
    balancer: str
    answers: list = field(default_factory=list)
    sales: dict = field(default_factory=dict)  # key → (body, sale id or None)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)

    def send(self, kind, target, method, path, body=None, headers=None):
        sent = time.monotonic()
        status, answer_headers, answer = exchange(method, self.balancer + path, body, timeout=20, headers=headers)
        answer = Answer(kind, target, sent, time.monotonic(), status, answer_headers.get("Retry-After"), answer)
        with self.lock:
            self.answers.append(answer)
        return answer


def sale_body(rng):
    store = rng.choice(WRITE_STORES)
    products = rng.sample(range(1, 16), 2)
    return {"magasin": store, "lignes": [{"produit": p, "quantite": 1} for p in products]}


def record_sale(run, key, body):
    answer = run.send("write", key, "POST", "/api/v1/sales/", body, {"Idempotency-Key": key})
    sale_id = json.loads(answer.body)["id"] if answer.status == 201 else None
    with run.lock:
        run.sales[key] = (body, sale_id)
    return answer


def writer(run, name):
    rng = random.Random(name)
    for n in itertools.count():
        if run.done.is_set():
            return
        record_sale(run, f"outage-{name}-{n}-{time.time_ns()}", sale_body(rng))
        time.sleep(0.05)


def reader(run, offset):
    for path in itertools.islice(itertools.cycle(READS), offset, None):
        if run.done.is_set():
            return
        run.send("read", path, "GET", path)
        time.sleep(0.02)


def shell(command):
    subprocess.run(["bash", "-c", command], check=True)


def ready(instance):
    status, _, _ = exchange("GET", instance + "/health/ready", timeout=20)
    return status


def newest_sale_id(balancer):
    page = call_json("GET", balancer + "/api/v1/sales/?page_size=1")
    return page["results"][0]["id"] if page["results"] else 0


def sales_since(balancer, store, after_id):
    """The sales of `store` with an id above `after_id`, following the cursor."""
    found, before = [], None
    while True:
        query = f"/api/v1/sales/?magasin={store}&page_size=100" + (f"&before={before}" if before else "")
        page = call_json("GET", balancer + query)
        fresh = [s for s in page["results"] if s["id"] > after_id]
        found += fresh
        if len(fresh) < len(page["results"]) or not page["next"] or not page["results"]:
            return found
        before = page["results"][-1]["id"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--balancer", default="http://127.0.0.1:8080")
    parser.add_argument("--instances", nargs="+", default=["http://127.0.0.1:8001", "http://127.0.0.1:8002"])
    parser.add_argument("--stop", required=True, help="shell command that stops the database")
    parser.add_argument("--start", required=True, help="shell command that starts it again")
    parser.add_argument("--before", type=float, default=4, help="seconds of load before the stop")
    parser.add_argument("--outage", type=float, default=8, help="seconds the database stays down")
    parser.add_argument("--after", type=float, default=4, help="seconds of load after the recovery")
    parser.add_argument("--recovery-limit", type=float, default=10)
    parser.add_argument("--writers", type=int, default=8, help="threads recording sales (3 threads read)")
    args = parser.parse_args()
    problems = []
    run = Run(args.balancer)

    baseline = newest_sale_id(args.balancer)
    for base in args.instances + [args.balancer]:  # what the caches will answer during the outage
        for path in READS:
            call_json("GET", base + path)
    threads = [threading.Thread(target=writer, args=(run, f"w{i}")) for i in range(args.writers)]
    threads += [threading.Thread(target=reader, args=(run, i)) for i in range(3)]
    for t in threads:
        t.start()
    time.sleep(args.before)

    shell(args.stop)
    stopped = time.monotonic()
    print(f"database stopped; load goes on for {args.outage:.0f} s")
    time.sleep(1)
    for instance in args.instances:
        status = ready(instance)
        if status != 503:
            problems.append(f"readiness of {instance} said {status} while the database was down, not 503")
    time.sleep(max(0.0, args.outage - (time.monotonic() - stopped)))

    # Writes answered once the start command began may have met the database back: only those
    # answered before it count as answered while it was down.
    starting = time.monotonic()
    shell(args.start)
    started = time.monotonic()
    rng = random.Random("probe")
    recovered = None
    for n in itertools.count():
        answer = record_sale(run, f"outage-probe-{n}-{time.time_ns()}", sale_body(rng))
        if answer.status in (201, 409):
            recovered = time.monotonic() - started
            break
        if time.monotonic() - started > args.recovery_limit:
            problems.append(f"no write succeeded within {args.recovery_limit:.0f} s of the database's return")
            break
        time.sleep(0.2)
    for instance in args.instances:
        deadline = time.monotonic() + args.recovery_limit
        while ready(instance) != 200:
            if time.monotonic() > deadline:
                problems.append(f"readiness of {instance} not 200 again {args.recovery_limit:.0f} s after the return")
                break
            time.sleep(0.2)
    time.sleep(args.after)
    run.done.set()
    for t in threads:
        t.join()

    answers = run.answers
    wrong = [a for a in answers if a.status not in ACCEPTED]
    for a in wrong[:5]:
        problems.append(f"{a.kind} {a.target}: {a.status or 'no answer'} {a.body[:200]!r}")
    if len(wrong) > 5:
        problems.append(f"… {len(wrong)} answers outside {sorted(ACCEPTED)} in all")
    refused = [a for a in answers if a.status == 503]
    for a in refused:
        body = json.loads(a.body or b"{}") if a.body.startswith(b"{") else {}
        if not (a.retry_after or "").isdigit() or body.get("status") != 503:
            problems.append(f"a 503 without Retry-After or the contract's body: {a.retry_after!r} {a.body[:200]!r}")
            break
    down = [a for a in answers if a.sent >= stopped and a.received < starting]
    down_writes = [a for a in down if a.kind == "write"]
    down_reads = [a for a in down if a.kind == "read"]
    if not down_writes or any(a.status != 503 for a in down_writes):
        statuses = sorted({a.status for a in down_writes})
        problems.append(f"writes while the database was down: {len(down_writes)}, statuses {statuses} (503 only)")
    if not down_reads or any(a.status != 200 for a in down_reads):
        failed = [a for a in down_reads if a.status != 200][:3]
        problems.append(
            f"cached reads while the database was down: {len(down_reads)}, not served: "
            + ", ".join(f"{a.target} {a.status}" for a in failed)
        )

    # Nothing half-written, nothing twice: every refused sale again with its key, then the books.
    retried = 0
    for key, (body, sale_id) in list(run.sales.items()):
        if sale_id is None and any(a.target == key and a.status in (0, 503) for a in answers):
            answer = record_sale(run, key, body)
            retried += 1
            if answer.status not in (201, 409):
                problems.append(f"sale {key} sent again after the outage: {answer.status} {answer.body[:200]!r}")
    told = {sale_id: key for key, (_, sale_id) in run.sales.items() if sale_id is not None}
    stored = [s for store in WRITE_STORES for s in sales_since(args.balancer, store, baseline)]
    stored_ids = [s["id"] for s in stored]
    if len(stored_ids) != len(set(stored_ids)) or set(stored_ids) != set(told):
        unacknowledged = sorted(set(stored_ids) - set(told))[:5]
        missing = sorted(set(told) - set(stored_ids))[:5]
        problems.append(
            f"sales stored: {len(stored_ids)}, sales acknowledged: {len(told)} "
            f"(unacknowledged: {unacknowledged}, missing: {missing})"
        )
    half = [s["id"] for s in stored if len(s["lignes"]) != 2]
    if half:
        problems.append(f"sales without both their lines: {half[:5]}")

    writes = [a for a in answers if a.kind == "write"]
    refusal = statistics.median(a.received - a.sent for a in down_writes) if down_writes else 0.0
    print(
        f"{len(answers)} answers ({len(writes)} writes, {len(answers) - len(writes)} reads): "
        f"{len(down_writes)} writes refused with 503 + Retry-After while the database was down "
        f"(median answer {refusal:.1f} s), "
        f"{len(down_reads)} reads served from the caches meanwhile; "
        + (f"first write {recovered:.1f} s after the database's return; " if recovered is not None else "")
        + f"{retried} refused sales sent again, {len(told)} sales recorded, each once and whole"
    )
    if problems:
        for p in problems:
            print(f"FAILED: {p}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
