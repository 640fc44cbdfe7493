#!/usr/bin/env bash
# benches/page-vs-nginx.sh: how close does gil-lab come to nginx serving the same lesson page?
#
#   bash benches/page-vs-nginx.sh [SLUG]        # from the repo root; SLUG defaults to the first lesson
#
# Settable by environment: DURATION (measured seconds per run, 10), WARMUP (seconds, 3),
# CONNECTIONS (32), THREADS (wrk threads, 2), ROUNDS (5), NGINX_WORKERS (auto); GIL_LAB_BIN=path
# skips the build and benchmarks that binary instead.
#
# Installs nginx, wrk and curl from Debian if missing (needs root or sudo), builds the release
# binary, starts gil-lab and a private nginx on free loopback ports, checks both return the same
# body, then runs wrk against each in turn. gil-lab's compression layer is not exercised: wrk sends
# no Accept-Encoding, so both servers answer the identity body. Prints, side by side per round and
# as median and min–max spread, each server's req/s, req per second of its own CPU time
# (utime+stime from /proc/PID/stat around each measured run) and p99, then a PASS/MISS verdict
# against the target (both ratios >= 0.90 and gil-lab p99 <= 5 ms at 32 connections, medians) and
# exits 0 either way; it exits non-zero only when something broke (install, build, start, mismatch).
# It never touches the system nginx's config, service or port 80, and leaves no process behind.
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
TARGET_RATIO=0.90
TARGET_P99_MS=5
TARGET_CONNECTIONS=32

DURATION=${DURATION%s}
WARMUP=${WARMUP%s}

say() { printf '%s\n' "$*"; }
die() {
    printf 'page-vs-nginx: error: %s\n' "$*" >&2
    exit 1
}

for var in DURATION WARMUP CONNECTIONS THREADS ROUNDS; do
    [[ ${!var} =~ ^[0-9]+$ ]] || die "$var must be a whole number, got '${!var}'"
done
((DURATION >= 1 && CONNECTIONS >= 1 && THREADS >= 1 && ROUNDS >= 1)) ||
    die "DURATION, CONNECTIONS, THREADS and ROUNDS must be at least 1"
((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"
[[ $NGINX_WORKERS =~ ^([0-9]+|auto)$ ]] || die "NGINX_WORKERS must be a number or 'auto'"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f Cargo.toml ]] || die "run from the gil-lab repository (no Cargo.toml in $(pwd))"

# ---------------------------------------------------------------------------------------------
# Cleanup: whatever happens, stop what we started and remove what we made.
TMP=""
SUDO=""
GIL_PID=""
NGINX_PID=""
POLICY_CREATED=""

stop_pid() { # stop_pid PID NAME: TERM, wait up to 5 s, then KILL (with its direct children)
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || {
        wait "$pid" 2>/dev/null || true
        return 0
    }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        printf 'page-vs-nginx: %s (pid %s) ignored SIGTERM; killing it\n' "$2" "$pid" >&2
        pkill -KILL -P "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # called by the trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_pid "$GIL_PID" gil-lab
    stop_pid "$NGINX_PID" nginx
    if [[ -n $POLICY_CREATED ]]; then
        $SUDO rm -f /usr/sbin/policy-rc.d || true
    fi
    if [[ -n $TMP && -d $TMP ]]; then
        rm -rf "$TMP"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# 1. Tools: nginx, wrk and curl from Debian, only if missing.
if ((EUID != 0)) && command -v sudo >/dev/null; then
    SUDO="sudo"
fi

find_nginx() {
    command -v nginx 2>/dev/null && return 0
    [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx && return 0
    return 1
}

missing=()
find_nginx >/dev/null || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v sha256sum >/dev/null || missing+=(coreutils)

if ((${#missing[@]})); then
    ((EUID == 0)) || [[ -n $SUDO ]] || die "missing ${missing[*]}; run as root (or with sudo) to install"
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
    say "installing ${missing[*]} (apt-get, quiet)..."
    # Debian's nginx starts its own service on port 80 when installed; a policy-rc.d that
    # answers 101 ("action forbidden") keeps it stopped. Made only if none exists, removed after.
    if [[ " ${missing[*]} " == *" nginx "* && ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\n# temporary, from gil-lab benches/page-vs-nginx.sh\nexit 101\n' |
            $SUDO tee /usr/sbin/policy-rc.d >/dev/null
        $SUDO chmod 755 /usr/sbin/policy-rc.d
        POLICY_CREATED=1
    fi
    apt_log=$(mktemp)
    if ! { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}"; } >"$apt_log" 2>&1; then
        cat "$apt_log" >&2
        rm -f "$apt_log"
        die "apt-get could not install ${missing[*]}"
    fi
    rm -f "$apt_log"
    if [[ -n $POLICY_CREATED ]]; then
        $SUDO rm -f /usr/sbin/policy-rc.d
        POLICY_CREATED=""
    fi
fi
NGINX=$(find_nginx) || die "nginx is still missing after installing it"
command -v wrk >/dev/null || die "wrk is still missing after installing it"

if ! command -v cargo >/dev/null && [[ -x $HOME/.cargo/bin/cargo ]]; then
    PATH="$HOME/.cargo/bin:$PATH"
fi

# ---------------------------------------------------------------------------------------------
# Machine facts.
version_of() { "$@" 2>&1 | head -n 1 || true; }
cpu_model=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
if commit=$(git rev-parse --short=12 HEAD 2>/dev/null); then
    [[ -z $(git status --porcelain 2>/dev/null) ]] || commit="$commit (work tree has changes)"
else
    commit="none (no commit yet)"
fi

say "== gil-lab lesson page vs nginx, same bytes =="
say "date:        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "cpus:        $(nproc) (${cpu_model:-unknown model})"
say "kernel:      $(uname -srm)"
# shellcheck disable=SC1091
say "os:          $(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}" || echo unknown)"
say "wrk:         $(version_of wrk -v | sed 's/ Copyright.*//')"
say "nginx:       $(version_of "$NGINX" -v | sed 's/^nginx version: //')"
say "rustc:       $(version_of rustc -V)"
say "git commit:  $commit"
say "load avg:    $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
say "note:        wrk ($THREADS threads) and the server under test share these $(nproc) cores;"
say "             only one server is loaded at a time, the other idles. Compare the two, not"
say "             the absolute numbers."
say ""

# ---------------------------------------------------------------------------------------------
# 2. Build and start gil-lab.
if [[ -n ${GIL_LAB_BIN:-} ]]; then
    BIN=$GIL_LAB_BIN
    [[ -x $BIN ]] || die "GIL_LAB_BIN=$BIN is not an executable"
    say "using $BIN as built (GIL_LAB_BIN set, no cargo build)"
else
    command -v cargo >/dev/null || die "cargo not found (install Rust first)"
    say "building gil-lab (cargo build --release --quiet)..."
    cargo build --release --quiet || die "cargo build --release failed"
    BIN="${CARGO_TARGET_DIR:-target}/release/gil-lab"
    [[ -x $BIN ]] || die "no binary at $BIN after the build"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gil-lab-bench.XXXXXX")
chmod 755 "$TMP"

port_in_use() {
    if command -v ss >/dev/null; then
        [[ -n $(ss -Htan "( sport = :$1 )" 2>/dev/null) ]]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# Below Linux's ephemeral range (32768+), so wrk's own client ports never collide with it.
free_port() {
    local port i
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + RANDOM % 12000))
        [[ $port == "${GIL_PORT:-}" ]] && continue
        port_in_use "$port" || {
            echo "$port"
            return 0
        }
    done
    return 1
}

# wait_http URL PID NAME LOG: until URL answers 2xx, while PID lives, at most 30 s.
wait_http() {
    local i
    for ((i = 0; i < 300; i++)); do
        if ! kill -0 "$2" 2>/dev/null; then
            wait "$2" 2>/dev/null || true
            return 1
        fi
        curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

GIL_LOG="$TMP/gil-lab.log"
GIL_PORT=""
for attempt in 1 2 3; do
    GIL_PORT=$(free_port) || die "no free port found for gil-lab"
    "$BIN" --addr "127.0.0.1:$GIL_PORT" --database-url "sqlite://$TMP/gil-lab.db" --log warn \
        >"$GIL_LOG" 2>&1 &
    GIL_PID=$!
    if wait_http "http://127.0.0.1:$GIL_PORT/healthz" "$GIL_PID"; then
        break
    fi
    stop_pid "$GIL_PID" gil-lab
    GIL_PID=""
    if ((attempt < 3)) && grep -qi "cannot listen\|address already in use" "$GIL_LOG"; then
        continue
    fi
    cat "$GIL_LOG" >&2
    die "gil-lab did not become healthy on 127.0.0.1:$GIL_PORT (log above)"
done
[[ -n $GIL_PID ]] || die "gil-lab could not get a port"

# ---------------------------------------------------------------------------------------------
# 3. The page: gil-lab's exact bytes, saved for nginx.
CONTENT_DIR=${GIL_LAB_CONTENT_DIR:-content}
if (($# >= 1)); then
    SLUG=$1
else
    first=$(printf '%s\n' "$CONTENT_DIR"/lessons/*.md | LC_ALL=C sort | head -n 1)
    [[ -f $first ]] || die "no lessons in $CONTENT_DIR/lessons"
    first=${first##*/}
    SLUG=${first%.md}
    SLUG=${SLUG#[0-9]*-}
fi
[[ $SLUG =~ ^[A-Za-z0-9_-]+$ ]] || die "unexpected lesson slug '$SLUG'"
PAGE_PATH="/lessons/$SLUG"

mkdir -p "$TMP/www/lessons" "$TMP/nginx"
PAGE="$TMP/www/lessons/$SLUG"
# No Accept-Encoding from curl (nor from wrk): gil-lab answers uncompressed.
code=$(curl -sS -o "$PAGE" -D "$TMP/gil-lab.headers" -w '%{http_code}' \
    "http://127.0.0.1:$GIL_PORT$PAGE_PATH") || die "could not fetch $PAGE_PATH from gil-lab"
[[ $code == 200 ]] || die "gil-lab answered $code for $PAGE_PATH (is '$SLUG' a lesson?)"
if grep -qi '^content-encoding:' "$TMP/gil-lab.headers"; then
    die "gil-lab compressed the page although no Accept-Encoding was sent"
fi
chmod 644 "$PAGE"
chmod 755 "$TMP/www" "$TMP/www/lessons"

# ---------------------------------------------------------------------------------------------
# Start a private nginx: own prefix, config, pid file and temp paths; foreground (daemon off).
USER_LINE=""
if ((EUID == 0)); then
    # nginx's default worker user is nobody:nobody and Debian has no group "nobody".
    USER_LINE="user $(id -un) $(id -gn);"
fi

write_nginx_conf() {
    cat >"$TMP/nginx/nginx.conf" <<EOF
# Temporary, written by benches/page-vs-nginx.sh
daemon off;
master_process on;
$USER_LINE
worker_processes $NGINX_WORKERS;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log error;

events {
    worker_connections 4096;
}

http {
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    types { }
    default_type "text/html; charset=utf-8";
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;

    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/www;
        location = $PAGE_PATH { }
        location / { return 404; }
    }
}
EOF
}

NGINX_PORT=""
for attempt in 1 2 3; do
    NGINX_PORT=$(free_port) || die "no free port found for nginx"
    write_nginx_conf
    "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" \
        >"$TMP/nginx/stdout.log" 2>&1 &
    NGINX_PID=$!
    if wait_http "http://127.0.0.1:$NGINX_PORT$PAGE_PATH" "$NGINX_PID"; then
        break
    fi
    stop_pid "$NGINX_PID" nginx
    NGINX_PID=""
    if ((attempt < 3)) && grep -qi "address already in use" "$TMP/nginx/error.log" 2>/dev/null; then
        continue
    fi
    cat "$TMP/nginx/stdout.log" "$TMP/nginx/error.log" >&2 2>/dev/null || true
    die "nginx did not serve $PAGE_PATH on 127.0.0.1:$NGINX_PORT (log above)"
done
[[ -n $NGINX_PID ]] || die "nginx could not get a port"

GIL_URL="http://127.0.0.1:$GIL_PORT$PAGE_PATH"
NGINX_URL="http://127.0.0.1:$NGINX_PORT$PAGE_PATH"

# ---------------------------------------------------------------------------------------------
# 4. Same bytes from both? (Bodies only: the headers differ by design.)
curl -fsS -o "$TMP/from-gil-lab" -D "$TMP/gil-lab.headers" "$GIL_URL" ||
    die "second fetch from gil-lab failed"
curl -fsS -o "$TMP/from-nginx" -D "$TMP/nginx.headers" "$NGINX_URL" || die "fetch from nginx failed"
size_gil=$(wc -c <"$TMP/from-gil-lab")
size_nginx=$(wc -c <"$TMP/from-nginx")
sha_gil=$(sha256sum "$TMP/from-gil-lab" | cut -d' ' -f1)
sha_nginx=$(sha256sum "$TMP/from-nginx" | cut -d' ' -f1)
header_value() { # header_value FILE NAME
    grep -i "^$2:" "$1" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//' || true
}
ctype_gil=$(header_value "$TMP/gil-lab.headers" content-type)
ctype_nginx=$(header_value "$TMP/nginx.headers" content-type)
hbytes_gil=$(wc -c <"$TMP/gil-lab.headers")
hbytes_nginx=$(wc -c <"$TMP/nginx.headers")

say ""
say "page:        $PAGE_PATH"
say "  gil-lab    $GIL_URL  $size_gil bytes  sha256 $sha_gil"
say "             content-type: $ctype_gil; header block $hbytes_gil bytes"
say "  nginx      $NGINX_URL  $size_nginx bytes  sha256 $sha_nginx"
say "             content-type: $ctype_nginx; header block $hbytes_nginx bytes"
say "  nginx:     worker_processes $NGINX_WORKERS, sendfile on, keepalive, access log off"
say "  gil-lab:   --log warn, database in a temp dir; responses uncompressed (no Accept-Encoding)"

if [[ $size_gil != "$size_nginx" || $sha_gil != "$sha_nginx" ]]; then
    if ! cmp -s "$PAGE" "$TMP/from-gil-lab"; then
        die "gil-lab's page changed between two fetches; it is not a fixed page, cannot compare"
    fi
    die "the bodies differ (gil-lab $size_gil bytes, nginx $size_nginx bytes)"
fi
say "  bodies:    identical"
say ""

# Share of CPU time in use over one second (both servers idle now): other load skews the figures.
cpu_busy_pct() {
    local a b
    a=$(awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6 }' /proc/stat 2>/dev/null) ||
        return 0
    sleep 1
    b=$(awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6 }' /proc/stat 2>/dev/null) ||
        return 0
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[1] - x[1]
        if (t > 0) printf "%.0f", 100 * (t - (y[2] - x[2])) / t }'
}
busy_before=$(cpu_busy_pct)
say "cpu in use:  ${busy_before:-?}% over 1 s before the runs, both servers idle"
if [[ -n $busy_before ]] && ((busy_before > 15)); then
    say "WARNING:     something else is using the CPU; see the 'other' columns after the table"
fi
say ""

# ---------------------------------------------------------------------------------------------
# 5. wrk, alternating, ROUNDS rounds.
to_ms() { # wrk's formatted durations: 512.00us, 1.23ms, 2.00s, 1.00m
    awk -v t="$1" 'BEGIN {
        n = t + 0; u = t; sub(/^[0-9.]+/, "", u)
        if (u == "us") f = 0.001; else if (u == "ms") f = 1; else if (u == "s") f = 1000;
        else if (u == "m") f = 60000; else if (u == "h") f = 3600000; else { print "nan"; exit }
        printf "%.3f", n * f }'
}

# check_alive PID NAME ROUND LOG: a server that exited 0 was told to stop (Ctrl-C reaches the whole
# process group, and both servers shut down on SIGINT); any other exit is a crash.
check_alive() {
    local status=0
    kill -0 "$1" 2>/dev/null && return 0
    wait "$1" 2>/dev/null || status=$?
    if [[ $1 == "$GIL_PID" ]]; then GIL_PID=""; else NGINX_PID=""; fi
    if ((status == 0)); then
        printf 'page-vs-nginx: %s stopped during round %s: interrupted\n' "$2" "$3" >&2
        exit 130
    fi
    cat "$4" >&2 2>/dev/null || true
    die "$2 exited with status $status during round $3 (log above)"
}

# CPU accounting around each measured run, in clock ticks: the machine's busy time (/proc/stat),
# the server's own processes (/proc/PID/stat utime+stime) and wrk's (this shell's reaped
# children, cutime+cstime). What is left is other load, which makes a round unreliable.
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
proc_ticks() { # proc_ticks PID...: utime+stime summed (fields 14, 15)
    local pid sum=0 line rest
    for pid in "$@"; do
        line=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        rest=${line##*) }
        sum=$((sum + $(awk '{ print $12 + $13 }' <<<"$rest")))
    done
    echo "$sum"
}
children_ticks() { # this shell's waited-for children: cutime+cstime (fields 16, 17)
    local line rest
    line=$(cat "/proc/$$/stat")
    rest=${line##*) }
    awk '{ print $14 + $15 }' <<<"$rest"
}
# cpu_cores BUSY0 TOTAL0 BUSY1 TOTAL1 SRV0 SRV1 WRK0 WRK1: "server wrk other" in cores
cpu_cores() {
    awk -v b0="$1" -v t0="$2" -v b1="$3" -v t1="$4" -v s0="$5" -v s1="$6" -v w0="$7" -v w1="$8" \
        -v n="$(nproc)" 'BEGIN { t = t1 - t0; if (t <= 0) { print "0 0 0"; exit }
        s = (s1 - s0) / t * n; w = (w1 - w0) / t * n; o = (b1 - b0) / t * n - s - w
        if (o < 0) o = 0; printf "%.2f %.2f %.2f", s, w, o }'
}

# run_wrk NAME URL ROUND PID LOG: sets RPS, P50, P99, ERRS; keeps the full output in $TMP.
run_wrk() {
    local name=$1 url=$2 round=$3 pid=$4 log=$5 out
    out="$TMP/wrk-$name-$round.txt"
    if ((WARMUP > 0)); then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 ||
            die "wrk warm-up against $name failed"
        check_alive "$pid" "$name" "$round" "$log"
    fi
    local m0 m1 s0 s1 w0 w1
    m0=$(machine_busy_ticks) s0=$(proc_ticks "${SERVER_PIDS[@]}") w0=$(children_ticks)
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$out" 2>&1 || {
        cat "$out" >&2
        die "wrk against $name failed"
    }
    m1=$(machine_busy_ticks) s1=$(proc_ticks "${SERVER_PIDS[@]}") w1=$(children_ticks)
    # shellcheck disable=SC2086 # m0 and m1 are "busy total" pairs
    CPU=$(cpu_cores $m0 $m1 "$s0" "$s1" "$w0" "$w1")
    check_alive "$pid" "$name" "$round" "$log"
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    local sock non2xx
    sock=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' "$out")
    ERRS=$((${sock:-0} + ${non2xx:-0}))
    if [[ -z $RPS || $P50 == nan || $P99 == nan || -z $P50 || -z $P99 ]]; then
        cat "$out" >&2
        die "could not read wrk's output for $name (above)"
    fi
    if ((ERRS > 0)); then
        printf 'warning: %s round %s: %s socket errors, %s non-2xx/3xx responses\n' \
            "$name" "$round" "${sock:-0}" "${non2xx:-0}" >&2
    fi
}

say "wrk: $THREADS threads, $CONNECTIONS connections, ${WARMUP}s warm-up + ${DURATION}s measured" \
    "per run, --latency; $ROUNDS rounds of gil-lab then nginx; nothing pinned"
say "(about $((ROUNDS * 2 * (WARMUP + DURATION))) s)"
say ""

declare -a G_RPS N_RPS RATIO G_P50 G_P99 N_P50 N_P99 G_CPU N_CPU SERVER_PIDS
# nginx's workers: the master's children.
NGINX_WORKERS_PIDS=()
for stat in /proc/[0-9]*/stat; do
    line=$(cat "$stat" 2>/dev/null) || continue
    rest=${line##*) }
    read -r _ ppid _ <<<"$rest"
    if [[ $ppid == "$NGINX_PID" ]]; then
        pid=${stat#/proc/}
        NGINX_WORKERS_PIDS+=("${pid%/stat}")
    fi
done
((${#NGINX_WORKERS_PIDS[@]})) || die "found no nginx worker processes"
gil_errors=0
nginx_errors=0
for ((r = 1; r <= ROUNDS; r++)); do
    SERVER_PIDS=("$GIL_PID")
    run_wrk gil-lab "$GIL_URL" "$r" "$GIL_PID" "$GIL_LOG"
    G_RPS[r]=$RPS G_P50[r]=$P50 G_P99[r]=$P99 G_CPU[r]=$CPU
    gil_errors=$((gil_errors + ERRS))
    SERVER_PIDS=("$NGINX_PID" "${NGINX_WORKERS_PIDS[@]}")
    run_wrk nginx "$NGINX_URL" "$r" "$NGINX_PID" "$TMP/nginx/error.log"
    N_RPS[r]=$RPS N_P50[r]=$P50 N_P99[r]=$P99 N_CPU[r]=$CPU
    nginx_errors=$((nginx_errors + ERRS))
    RATIO[r]=$(awk -v g="${G_RPS[r]}" -v n="${N_RPS[r]}" 'BEGIN { printf "%.3f", (n > 0 ? g / n : 0) }')
    printf '  round %d: gil-lab %s req/s, nginx %s req/s\n' "$r" "${G_RPS[r]}" "${N_RPS[r]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------------------------------------
# 6. Tables and verdict.
fmt() { awk -v v="$1" -v p="$2" 'BEGIN { printf "%.*f", p, v }'; }
spread() { # spread DECIMALS VALUE...: "min–max"
    local p=$1
    shift
    printf '%s\n' "$@" | sort -g | awk -v p="$p" 'NR == 1 { lo = $1 } { hi = $1 } END {
        printf "%.*f–%.*f", p, lo, p, hi }'
}
per_cpu() { awk -v r="$1" -v c="$2" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }'; }
ratio_of() { awk -v g="$1" -v n="$2" 'BEGIN { printf "%.3f", (n > 0 ? g / n : 0) }'; }

G_EFF=() N_EFF=() EFF_RATIO=()
disturbed=""
for ((r = 1; r <= ROUNDS; r++)); do
    read -r gs gw go <<<"${G_CPU[r]}"
    read -r ns nw no <<<"${N_CPU[r]}"
    G_EFF[r]=$(per_cpu "${G_RPS[r]}" "$gs")
    N_EFF[r]=$(per_cpu "${N_RPS[r]}" "$ns")
    EFF_RATIO[r]=$(ratio_of "${G_EFF[r]}" "${N_EFF[r]}")
    if awk -v a="$go" -v b="$no" 'BEGIN { exit !(a > 0.2 || b > 0.2) }'; then
        disturbed="$disturbed $r"
    fi
done

# Side by side: what each server did per second, per second of its own CPU, and its p99.
row() { printf '%-7s | %9s %10s %11s | %9s %10s %11s | %7s %7s\n' "$@"; }
say ""
say "Side by side (req/cpu-s = requests per second of the server's own CPU time, utime+stime"
say "from /proc/PID/stat; p99 from wrk --latency):"
row "" "gil-lab" "" "" "nginx" "" "" "g/n" "g/n"
row "round" "req/s" "req/cpu-s" "p99 ms" "req/s" "req/cpu-s" "p99 ms" "req/s" "cpu-s"
for ((r = 1; r <= ROUNDS; r++)); do
    row "$r" "$(fmt "${G_RPS[r]}" 0)" "${G_EFF[r]}" "$(fmt "${G_P99[r]}" 2)" \
        "$(fmt "${N_RPS[r]}" 0)" "${N_EFF[r]}" "$(fmt "${N_P99[r]}" 2)" \
        "$(fmt "${RATIO[r]}" 3)" "$(fmt "${EFF_RATIO[r]}" 3)"
done
m_grps=$(median "${G_RPS[@]}") m_nrps=$(median "${N_RPS[@]}")
m_geff=$(median "${G_EFF[@]}") m_neff=$(median "${N_EFF[@]}")
m_gp99=$(median "${G_P99[@]}") m_np99=$(median "${N_P99[@]}")
m_ratio=$(median "${RATIO[@]}") m_eff_ratio=$(median "${EFF_RATIO[@]}")
row "median" "$(fmt "$m_grps" 0)" "$(fmt "$m_geff" 0)" "$(fmt "$m_gp99" 2)" \
    "$(fmt "$m_nrps" 0)" "$(fmt "$m_neff" 0)" "$(fmt "$m_np99" 2)" \
    "$(fmt "$m_ratio" 3)" "$(fmt "$m_eff_ratio" 3)"
say "spread (min–max over the $ROUNDS rounds):"
say "  gil-lab  req/s $(spread 0 "${G_RPS[@]}"), req/cpu-s $(spread 0 "${G_EFF[@]}"), p99 $(spread 2 "${G_P99[@]}") ms"
say "  nginx    req/s $(spread 0 "${N_RPS[@]}"), req/cpu-s $(spread 0 "${N_EFF[@]}"), p99 $(spread 2 "${N_P99[@]}") ms"
say "  ratios   req/s $(spread 3 "${RATIO[@]}"), req/cpu-s $(spread 3 "${EFF_RATIO[@]}")"
say "(medians of each column; the ratios' medians are over the per-round ratios)"
say "p50 medians: gil-lab $(fmt "$(median "${G_P50[@]}")" 2) ms, nginx $(fmt "$(median "${N_P50[@]}")" 2) ms"
say "errors (socket + non-2xx/3xx): gil-lab $gil_errors, nginx $nginx_errors"

say ""
say "CPU used during the measured runs, in cores (of $(nproc)): the server, wrk and everything else"
printf '%-7s | %8s %6s %6s | %8s %6s %6s\n' "round" "gil-lab" "wrk" "other" "nginx" "wrk" "other"
for ((r = 1; r <= ROUNDS; r++)); do
    read -r gs gw go <<<"${G_CPU[r]}"
    read -r ns nw no <<<"${N_CPU[r]}"
    printf '%-7s | %8s %6s %6s | %8s %6s %6s\n' "$r" "$gs" "$gw" "$go" "$ns" "$nw" "$no"
done
if [[ -n $disturbed ]]; then
    say "WARNING:     other load took more than 0.2 cores in round(s)${disturbed}; those figures are unreliable"
    clean_ratio=() clean_eff=() clean_p99=() clean_rounds=""
    for ((r = 1; r <= ROUNDS; r++)); do
        [[ " $disturbed " == *" $r "* ]] && continue
        clean_ratio+=("${RATIO[r]}") clean_eff+=("${EFF_RATIO[r]}") clean_p99+=("${G_P99[r]}")
        clean_rounds="$clean_rounds $r"
    done
    if ((${#clean_ratio[@]})); then
        say "             undisturbed round(s)${clean_rounds} alone: req/s ratio $(fmt "$(median "${clean_ratio[@]}")" 3)," \
            "req/cpu-s ratio $(fmt "$(median "${clean_eff[@]}")" 3)," \
            "gil-lab p99 $(fmt "$(median "${clean_p99[@]}")" 2) ms (medians)"
    fi
fi

if [[ -s $GIL_LOG ]]; then
    say ""
    say "gil-lab logged $(wc -l <"$GIL_LOG") line(s) at warn or above; the last ones:"
    tail -n 5 "$GIL_LOG"
fi

at_least() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? 1 : 0 }'; }
ratio_ok=$(at_least "$m_ratio" "$TARGET_RATIO")
eff_ok=$(at_least "$m_eff_ratio" "$TARGET_RATIO")
p99_ok=$(awk -v p="$m_gp99" -v t="$TARGET_P99_MS" 'BEGIN { print (p <= t) ? 1 : 0 }')
verdict=MISS
if ((ratio_ok && eff_ok && p99_ok && gil_errors == 0)); then
    verdict=PASS
fi
why=""
((gil_errors == 0)) || why="; gil-lab had $gil_errors errors"
[[ -z $disturbed ]] || why="$why; other load disturbed round(s)${disturbed}"
((CONNECTIONS == TARGET_CONNECTIONS)) ||
    why="$why; note: the target is set at $TARGET_CONNECTIONS connections, this run used $CONNECTIONS"
say ""
printf 'VERDICT: %s  req/s ratio %s, req/cpu-s ratio %s (targets >= %s), gil-lab p99 %s ms (target <= %s ms) at %s connections%s\n' \
    "$verdict" "$(fmt "$m_ratio" 3)" "$(fmt "$m_eff_ratio" 3)" "$TARGET_RATIO" "$(fmt "$m_gp99" 2)" \
    "$TARGET_P99_MS" "$CONNECTIONS" "$why"
exit 0
