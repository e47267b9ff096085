"""Freshness across instances: a sale through one instance is in the next report read through another.

    python3 scripts/py/freshness_check.py [--writer URL] [--reader URL] [--rounds 20]

Each round: the store-2 product with the most units left (replenished first when it has none, so
the sale never depends on earlier traffic), the report of store 2 read twice through the reader
(cached there now), one unit sold through the writer, the report read again through the reader: it
must have grown by the sale's total. Exits 1 at the first stale report or failed request.
"""

import argparse
import sys

from magasin_http import call_json as call


def rounds(writer, reader, count):
    for n in range(count):
        top = call("GET", writer + "/api/v1/stores/2/stock/list/?ordering=-quantite")["results"][0]
        product = top["produit"]
        if top["quantite"] < 1:
            request = call(
                "POST", writer + "/api/v1/replenishments/", {"magasin": 2, "produit": product, "quantite": 10}
            )
            call("POST", writer + f"/api/v1/replenishments/{request['id']}/approve/")
        report = reader + "/api/v1/reports/?magasin=2"
        before = call("GET", report)[0]["total"]
        call("GET", report)  # cached on the reader now
        sale = call("POST", writer + "/api/v1/sales/", {"magasin": 2, "lignes": [{"produit": product, "quantite": 1}]})
        sold = float(sale["total"])
        after = call("GET", report)[0]["total"]
        if abs(after - before - sold) >= 0.001:
            sys.exit(f"round {n}: instance 2 served {after}, expected {before + sold}")
    print(f"{count} rounds: every sale was in the next report read through the other instance")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writer", default="http://127.0.0.1:8001", help="instance that records the sales")
    parser.add_argument("--reader", default="http://127.0.0.1:8002", help="instance that serves the reports")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rounds(args.writer, args.reader, args.rounds)


if __name__ == "__main__":
    main()
