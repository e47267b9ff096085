"""Traffic for scripts/check-dashboards: something for every dashboard panel to show.

    python3 scripts/py/dashboard_traffic.py BASE SECONDS DB_FILE DEADLINE

For SECONDS (but ending 60 s before DEADLINE, a Unix time) against the instance at BASE: two
readers of every endpoint (404s included), a writer of sales, cancellations, replenishment requests
approved, rejected, left pending or refused for lack of stock, and 400/401/404s; and, when DB_FILE
is the instance's SQLite database, a fault: its write lock held longer than magasin's busy timeout,
so a few writes fail with 503. Prints the answers by status and what the fault did.
"""

import argparse
import json
import random
import sqlite3
import threading
import time

from magasin_http import request


class Traffic:
    def __init__(self, base, seconds, db_file, deadline):
        self.base, self.db_file = base, db_file
        left = float(deadline) - time.time()
        self.end = min(time.monotonic() + float(seconds), time.monotonic() + left - 60)
        self.lock = threading.Lock()
        self.counts = {}
        self.sales, self.requests = [], []
        self.fault_note = "no fault injected"

    def call(self, method, path, body=None, timeout=10, token=True):
        status, answer = request(method, self.base + path, body, timeout=timeout, token=token)
        with self.lock:
            self.counts[status] = self.counts.get(status, 0) + 1
        return status, answer

    def reads(self, seed):
        rng = random.Random(seed)
        paths = [
            "/api/v1/reports/",
            "/api/v1/dashboard/",
            "/api/v1/stores/",
            "/api/v1/stores/1/",
            "/api/v1/stores/1/stock/",
            "/api/v1/stores/1/stock/list/?ordering=-quantite",
            "/api/v1/products/",
            "/api/v1/products/1/",
            "/api/v1/warehouse/stock/",
            "/api/v1/sales/",
            "/api/v1/replenishments/",
            "/api/v1/stores/1/ledger/",
            "/api/v1/warehouse/ledger/",
            "/health/ready",
            "/health/live",
            # 404s: unknown ids and a path that matches no route
            "/api/v1/products/99999/",
            "/api/v1/sales/99999999/",
            "/api/v1/stores/999/",
            "/nowhere/at/all",
        ]
        while time.monotonic() < self.end:
            store = rng.randint(1, 5)
            for path in paths:
                self.call("GET", path.replace("/stores/1/", f"/stores/{store}/"))
            with self.lock:
                sale = self.sales[-1] if self.sales else None
                replenishment = self.requests[-1] if self.requests else None
            if sale:
                self.call("GET", f"/api/v1/sales/{sale}/")
            if replenishment:
                self.call("GET", f"/api/v1/replenishments/{replenishment}/")
            time.sleep(0.05)

    def writes(self):
        rng = random.Random(7)
        stocked = []
        for store in range(1, 6):
            status, body = self.call("GET", f"/api/v1/stores/{store}/stock/")
            if status == 200:
                stocked += [(store, row["produit_id"]) for row in json.loads(body) if row.get("quantite", 0) > 0]
        stocked = stocked or [(s, p) for s in range(1, 6) for p in range(1, 16)]
        i = 0
        while time.monotonic() < self.end:
            i += 1
            store, product = rng.choice(stocked)
            sale_body = {"magasin": store, "lignes": [{"produit": product, "quantite": 1}]}
            status, body = self.call("POST", "/api/v1/sales/", sale_body, timeout=30)
            if status == 201:
                sale = json.loads(body)["id"]
                with self.lock:
                    self.sales.append(sale)
                if rng.random() < 0.25:
                    self.call("POST", f"/api/v1/sales/{sale}/cancel/", {}, timeout=30)
            if i % 3 == 0:
                quantity = rng.choice([5, 5, 10, 5000])  # 5000 > any warehouse stock: refused_no_stock
                request_body = {"magasin": store, "produit": product, "quantite": quantity}
                status, body = self.call("POST", "/api/v1/replenishments/", request_body, timeout=30)
                if status == 201:
                    rid = json.loads(body)["id"]
                    with self.lock:
                        self.requests.append(rid)
                    if rng.random() < 0.8:  # some stay pending
                        decision = rng.choice(["approve", "approve", "reject"])
                        self.call("POST", f"/api/v1/replenishments/{rid}/{decision}/", {}, timeout=30)
            if i % 10 == 0:
                self.call("POST", "/api/v1/sales/99999999/cancel/", {}, timeout=30)  # 404
                self.call("POST", "/api/v1/sales/", {"magasin": store, "lignes": []}, timeout=30)  # 400
                unsigned = {"magasin": 1, "lignes": [{"produit": 2, "quantite": 1}]}
                self.call("POST", "/api/v1/sales/", unsigned, timeout=30, token=False)  # 401
            time.sleep(0.03)

    def fault(self, start=4.0, hold=11.0, gap=3.0, rounds=2):
        """Holds SQLite's write lock longer than magasin's busy timeout (10 s): the writes waiting
        for it fail with "database is locked", answered 503 and counted in magasin_db_errors_total.
        Twice: a counter series is born at its first increment, which rate() cannot see, so the
        second round is what makes the 5xx ratio visibly above 0."""
        if not self.db_file or time.monotonic() + start + rounds * (hold + gap) + 2 > self.end:
            return
        time.sleep(start)
        held = 0
        for _ in range(rounds):
            try:
                db = sqlite3.connect(self.db_file, timeout=5, isolation_level=None)
                db.execute("BEGIN EXCLUSIVE")
            except sqlite3.Error as e:
                self.fault_note = f"could not take the SQLite write lock ({e})"
                break
            victim = threading.Thread(
                target=self.call,
                args=("POST", "/api/v1/sales/", {"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}]}),
                kwargs={"timeout": 30},
            )
            victim.start()
            time.sleep(hold)
            db.execute("ROLLBACK")
            db.close()
            victim.join()
            held += 1
            time.sleep(gap)
        if held:
            self.fault_note = (
                f"held the SQLite write lock {held} time(s) for {hold:.0f} s (magasin's busy timeout is 10 s)"
            )

    def run(self):
        threads = [threading.Thread(target=self.reads, args=(seed,)) for seed in (1, 2)]
        threads += [threading.Thread(target=self.writes), threading.Thread(target=self.fault)]
        for t in threads:
            t.daemon = True
            t.start()
        for t in threads:
            t.join()
        answers = ", ".join(f"{k or 'no answer'}: {v}" for k, v in sorted(self.counts.items()))
        print(f"answers by status: {answers}")
        print(f"fault injection: {self.fault_note}; 5xx answers: {sum(v for k, v in self.counts.items() if k >= 500)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the instance, http://127.0.0.1:PORT")
    parser.add_argument("seconds", type=float, help="how long the traffic lasts")
    parser.add_argument("db_file", help="the instance's SQLite file, for the fault ('' for none)")
    parser.add_argument("deadline", type=float, help="Unix time by which the whole check must be done")
    args = parser.parse_args()
    Traffic(args.base, args.seconds, args.db_file, args.deadline).run()


if __name__ == "__main__":
    main()
