# shellcheck shell=bash
# `scripts/bench ratios`: magasin's hot paths beside what this machine does at its best, in one
# run, with one load generator (wrk -t2 -c64) for every HTTP figure (the median of --repeat runs). Sourced by scripts/bench
# (which defines ROOT, PY, step and the services' helpers); never run on its own.
#
# References: NGINX serving the same bytes as the cached stock answer from a static file,
# pgbench's point SELECT (-S) and TPC-B at scale 10, redis-benchmark's GET, each with 64 clients.
# magasin: the cached stock answer (one instance with --cache local; with --cache redis; three
# instances + Redis behind NGINX), a product uncached, the stock list on the demo data and at
# 2,000 products per store for every ordering and filter, two-line sales on both engines, and
# the report and dashboard uncached on a history of --sales sales (≈ 2 lines each).
# Writes ratios.md and ratios.svg (scripts/py/ratios_report.py holds the rows and their targets).

RATIO_QUERIES=("ordering=-quantite" "ordering=quantite" "ordering=produit__nom" "ordering=-produit__nom"
               "produit__nom=Produit%2001" "quantite__gte=20&quantite__lte=40" "ordering=quantite&page=20")

ratios_usage() {
    echo "usage: scripts/bench ratios [--short] [--duration 10s] [--repeat 3] [--sales 500000] [--runs 20] [--runs-dir DIR] [--no-targets]" >&2
    exit 2
}

wrk_figure() { # key url [lua-script] — --repeat wrk runs; appends the median run's "key rate failed p50 p99"
    local key=$1 url=$2 script=${3:-} i log
    local runs=()
    curl -s -o /dev/null "$url" || true # warm: the first answer fills the caches
    for i in $(seq 1 "$REPEAT"); do
        log=$RAW/$key.$i.wrk
        if [ -n "$script" ]; then
            wrk -t2 -c64 -d"$DURATION" --latency -s "$script" "$url" > "$log" 2>&1 || true
        else
            wrk -t2 -c64 -d"$DURATION" --latency "$url" > "$log" 2>&1 || true
        fi
        runs+=("$(python3 "$PY/ratios_report.py" wrk "$log")")
        # A read that failed keeps wrk's output beside the results: it says which (status or socket).
        # (A sale's failures are refusals for want of stock.)
        if [ -z "$script" ] && [ "$(cut -d' ' -f2 <<< "${runs[-1]}")" != 0 ]; then
            mkdir -p "$OUT/failed-runs"; cp "$log" "$OUT/failed-runs/"
        fi
    done
    printf '%s\n' "${runs[@]}" > "$RAW/$key.runs"
    echo "$key $(sort -g -k1,1 "$RAW/$key.runs" | sed -n "$(((REPEAT + 1) / 2))p")" | tee -a "$FIGURES"
}

timing_figure() { # key url — median and p95 in ms of --runs requests in sequence after 3 warm-ups
    local key=$1 url=$2
    for _ in 1 2 3; do curl -sf -o /dev/null "$url"; done
    local times
    times=$(for _ in $(seq 1 "$RUNS"); do curl -sf -o /dev/null -w '%{time_total}\n' "$url"; done)
    echo "$key $(echo "$times" | python3 "$PY/ratios_report.py" timings)" | tee -a "$FIGURES"
}

peak_memory() { # key pid-file — the instance's peak resident memory (MiB) so far
    local pid
    pid=$(cat "$2")
    echo "$1 $(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status") 0 0 0" | tee -a "$FIGURES"
}

nginx_reference() { # answer-file — NGINX serving a static 2 KB JSON file made of that answer's items
    local dir=$WORK/nginx-static port=8097
    mkdir -p "$dir/root" "$dir/tmp"
    chmod a+rx "$WORK" "$dir" "$dir/root" # NGINX's workers run as another user
    python3 - "$1" "$dir/root/stock.json" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))
body, i = [], 0
while len(json.dumps(body, ensure_ascii=False).encode()) < 2048:
    body.append(items[i % len(items)]); i += 1
open(sys.argv[2], "w").write(json.dumps(body, ensure_ascii=False))
PY
    chmod a+r "$dir/root/stock.json"
    cat > "$dir/nginx.conf" <<CONF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    types { application/json json; }
    server { listen 127.0.0.1:$port; root $dir/root; }
}
CONF
    nginx -c "$dir/nginx.conf" -p "$dir/"
    wait_http "http://127.0.0.1:$port/stock.json" 50 0.1 \
        || { echo "NGINX does not serve the static file (see $dir/error.log)" >&2; cat "$dir/error.log" >&2; exit 1; }
    wrk_figure ref_nginx "http://127.0.0.1:$port/stock.json"
    nginx -s quit -c "$dir/nginx.conf" -p "$dir/" 2>/dev/null || true
}

pgbench_references() { # pgbench -S and TPC-B at scale 10, 64 clients on 2 threads
    local db=magasin_ratios_pgbench seconds=${DURATION%s}
    fresh_database "$db"
    pgbench -i -q -s 10 -h 127.0.0.1 -U postgres "$db" > "$RAW/pgbench-init.log" 2>&1
    pgbench -S -c 64 -j 2 -T "$seconds" -h 127.0.0.1 -U postgres "$db" > "$RAW/pgbench-select.log" 2>&1
    echo "ref_select $(python3 "$PY/ratios_report.py" pgbench "$RAW/pgbench-select.log")" | tee -a "$FIGURES"
    pgbench -c 64 -j 2 -T "$seconds" -h 127.0.0.1 -U postgres "$db" > "$RAW/pgbench-tpcb.log" 2>&1
    echo "ref_tpcb $(python3 "$PY/ratios_report.py" pgbench "$RAW/pgbench-tpcb.log")" | tee -a "$FIGURES"
    psql_admin -c "DROP DATABASE IF EXISTS $db"
}

redis_reference() { # redis-benchmark GET, 64 clients, on the machine's Redis
    local requests=$((${DURATION%s} * 100000))
    redis-benchmark -h 127.0.0.1 -p 6379 -c 64 -n "$requests" -t get -q > "$RAW/redis-benchmark.log" 2>&1 || true
    echo "ref_redis $(python3 "$PY/ratios_report.py" redis "$RAW/redis-benchmark.log")" | tee -a "$FIGURES"
}

cluster_up() { # instances cache database-url seed
    scripts/cluster up --instances "$1" --cache "$2" --database-url "$3" --seed "$4" > "$RAW/cluster-$1-$2.log" 2>&1 \
        || { cat "$RAW/cluster-$1-$2.log" >&2; exit 1; }
}
cluster_down() { scripts/cluster down > /dev/null 2>&1 || true; }

seed_synthetic() { # database-url log — the data set at a real catalogue's size
    DATABASE_URL=$1 "$BIN" --log-format text seed synthetic --stores 20 --products 2000 \
        --sales "$SALES" --days 90 --seed 42 > "$2" 2>&1 || { tail -n 5 "$2" >&2; exit 1; }
}

sqlite_rows() { # the history on SQLite: report and dashboard uncached, then two-line sales
    local url="sqlite://$WORK/ratios.db" port=8096
    step "SQLite: synthetic data set ($SALES sales)"
    seed_synthetic "$url" "$RAW/seed-sqlite.log"
    DATABASE_URL=$url "$BIN" --log-format text serve --bind "127.0.0.1:$port" --no-demo --cache none \
        --access-log errors > "$RAW/sqlite-instance.log" 2>&1 &
    SQLITE_SERVER=$!
    wait_http "http://127.0.0.1:$port/health/ready" 100 0.2
    timing_figure report_sqlite "http://127.0.0.1:$port/api/v1/reports/"
    timing_figure dashboard_sqlite "http://127.0.0.1:$port/api/v1/dashboard/"
    STORES=20 PRODUCTS=2000 wrk_figure sale_sqlite "http://127.0.0.1:$port/api/v1/sales/" "$ROOT/loadtest/wrk/sale.lua"
    kill "$SQLITE_SERVER"; wait "$SQLITE_SERVER" 2>/dev/null || true; SQLITE_SERVER=
}

ratios_cleanup() { # whatever a run left running, and its scratch folder
    cluster_down
    if [ -n "${SQLITE_SERVER:-}" ]; then kill "$SQLITE_SERVER" 2>/dev/null || true; fi
    if [ -f "$WORK/nginx-static/nginx.pid" ]; then
        nginx -s quit -c "$WORK/nginx-static/nginx.conf" -p "$WORK/nginx-static/" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}

ratios() {
    local check=1 short=0
    DURATION=10s; REPEAT=3; SALES=500000; RUNS=20
    OUT=$ROOT/results/$(date +%F)
    while [ $# -gt 0 ]; do
        case "$1" in
            --short) short=1; shift ;;
            --duration) DURATION=$2; shift 2 ;;
            --repeat) REPEAT=$2; shift 2 ;;
            --sales) SALES=$2; shift 2 ;;
            --runs) RUNS=$2; shift 2 ;;
            --runs-dir) OUT=$2; shift 2 ;;
            --no-targets) check=0; shift ;;
            *) ratios_usage ;;
        esac
    done
    # The short form keeps the command working in CI: every row, small data, no targets.
    if [ "$short" = 1 ]; then DURATION=2s; REPEAT=1; SALES=3000; RUNS=5; check=0; fi
    [[ $DURATION =~ ^[0-9]+s$ ]] || { echo "--duration takes seconds, e.g. 10s" >&2; exit 2; }
    [[ $REPEAT =~ ^[1-9][0-9]?$ ]] || { echo "--repeat takes a number of runs from 1 to 99" >&2; exit 2; }
    mkdir -p "$OUT"
    WORK=$(mktemp -d); RAW=$WORK/raw; mkdir -p "$RAW"; FIGURES=$WORK/figures; : > "$FIGURES"
    SQLITE_SERVER=
    trap ratios_cleanup EXIT
    ensure_packages wrk wrk
    ensure_packages nginx nginx-light
    ensure_packages pgbench postgresql-client
    ensure_packages redis-benchmark redis-tools
    ensure_postgres "the ratios cannot be measured"
    ensure_redis
    # MAGASIN_BIN: another build (CI's short form runs its debug build); by default the release one.
    BIN=${MAGASIN_BIN:-$ROOT/target/release/magasin}
    if [ -z "${MAGASIN_BIN:-}" ]; then build_release; fi
    export MAGASIN_BIN=$BIN # scripts/cluster starts the same build
    local demo=postgres://postgres@127.0.0.1:5432/magasin_ratios_demo big=postgres://postgres@127.0.0.1:5432/magasin_ratios_big
    local stock=/api/v1/stores/1/stock/ one=http://127.0.0.1:8001

    step "PostgreSQL: synthetic data set ($SALES sales, 20 stores × 2,000 products)"
    fresh_database magasin_ratios_big
    seed_synthetic "$big" "$RAW/seed-postgres.log"
    psql -q -h 127.0.0.1 -U postgres -d magasin_ratios_big -c "VACUUM ANALYZE"
    echo "history_lines $(psql -tA -h 127.0.0.1 -U postgres -d magasin_ratios_big -c 'SELECT COUNT(*) FROM sale_lines') 0 0 0" >> "$FIGURES"

    step "magasin, one instance, --cache local (demo data)"
    fresh_database magasin_ratios_demo
    cluster_up 1 local "$demo" demo
    curl -sf "$one$stock" > "$WORK/stock.json"
    wrk_figure cached_local "$one$stock"
    peak_memory memory_local "$ROOT/.cluster/pids/instance-1.pid"
    cluster_down

    step "references: NGINX static 2 KB JSON, pgbench -S and TPC-B (scale 10), redis-benchmark GET"
    nginx_reference "$WORK/stock.json"
    pgbench_references
    redis_reference

    step "magasin, one instance, --cache redis (demo data)"
    cluster_up 1 redis "$demo" none
    wrk_figure cached_redis "$one$stock"
    cluster_down

    step "magasin, one instance, --cache redis with a 100 ms staleness bound (demo data)"
    MAGASIN_CACHE_STALENESS_MS=100 cluster_up 1 redis "$demo" none
    wrk_figure cached_redis_bounded "$one$stock"
    cluster_down

    step "magasin, three instances + Redis behind NGINX (demo data)"
    cluster_up 3 redis "$demo" none
    wrk_figure cached_nginx3 "http://127.0.0.1:8080$stock"
    peak_memory memory_nginx3 "$ROOT/.cluster/pids/instance-1.pid"
    cluster_down

    step "magasin, one instance, no cache (demo data)"
    cluster_up 1 none "$demo" none
    wrk_figure product "$one/api/v1/products/1/"
    wrk_figure list_demo "$one/api/v1/stores/1/stock/list/?produit__nom=Caf%C3%A9&ordering=-quantite"
    cluster_down

    step "magasin, one instance, no cache (2,000 products per store, $SALES sales)"
    cluster_up 1 none "$big" none
    local i=0
    for q in "${RATIO_QUERIES[@]}"; do
        wrk_figure "list_big_$i" "$one/api/v1/stores/1/stock/list/?$q"
        i=$((i + 1))
    done
    timing_figure report_postgres "$one/api/v1/reports/"
    timing_figure dashboard_postgres "$one/api/v1/dashboard/"
    STORES=20 PRODUCTS=2000 wrk_figure sale_postgres "$one/api/v1/sales/" "$ROOT/loadtest/wrk/sale.lua"
    peak_memory memory_big "$ROOT/.cluster/pids/instance-1.pid"
    cluster_down

    sqlite_rows

    step "table and chart"
    local flags=()
    [ "$check" = 1 ] || flags+=(--no-targets)
    python3 "$PY/ratios_report.py" write "$FIGURES" "$OUT" --duration "$DURATION" --repeat "$REPEAT" --sales "$SALES" --runs "$RUNS" \
        --queries "${RATIO_QUERIES[@]}" "${flags[@]}"
}
