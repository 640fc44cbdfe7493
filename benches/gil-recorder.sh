#!/usr/bin/env bash
# What the GIL recorder costs: the CPU experiment at its defaults through two gil-lab servers,
# one recording the GIL every RATE_US µs (default 500, the server's) and one with the recorder off
# (--gil-sample-us 0), alternating, ROUNDS runs each; prints each variant's wall time with and
# without, and their ratio's median and spread over the rounds. Target: ≤ 2 % at the default rate.
# Run from the repo root as root, on a quiet machine: bash benches/gil-recorder.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-9}
RATE_US=${RATE_US:-500}
BIN=${GIL_LAB_BIN:-target/release/gil-lab}
[[ -x "$BIN" ]] || cargo build --release --quiet
.ci/install-gil-sampler >/dev/null
work=$(mktemp -d)
servers=()
trap 'kill "${servers[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # name sample-µs → port
    local port; port=$(free_port)
    "$BIN" --addr "127.0.0.1:$port" --database-url "sqlite://$work/$1.sqlite" --log warn \
        --max-runs-per-minute 1000 --gil-sample-us "$2" >"$work/$1.log" 2>&1 &
    servers+=($!)
    until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done
    echo "$port"
}
on=$(start on "$RATE_US")
off=$(start off 0)

walls() { # port → "sequential threads processes" wall times (s), and the GIL switches seen
    local cookie="$work/cookie-$1" id
    id=$(curl -sf -c "$cookie" -H 'content-type: application/json' -d '{"experiment": "cpu-bound"}' \
        "http://127.0.0.1:$1/api/runs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    curl -sf -b "$cookie" "http://127.0.0.1:$1/api/runs/$id/events" >/dev/null
    curl -sf -b "$cookie" "http://127.0.0.1:$1/api/runs/$id" | python3 -c '
import json, sys
v = {x["name"]: x for x in json.load(sys.stdin)["result"]["variants"]}
gil = (v["threads"].get("gil_timeline") or {}).get("switches", "-")
print(" ".join("%.4f" % v[n]["wall_s"] for n in ("sequential", "threads", "processes")), gil)'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
echo "CPU experiment at its defaults, $ROUNDS rounds; recorder every ${RATE_US} µs vs off"
printf '%-6s %-30s %-30s %s\n' round "on: seq/threads/processes (s)" "off: seq/threads/processes (s)" switches
for round in $(seq "$ROUNDS"); do
    if ((round % 2)); then a=$(walls "$on"); b=$(walls "$off"); else b=$(walls "$off"); a=$(walls "$on"); fi
    read -r s1 t1 p1 switches <<<"$a"; read -r s0 t0 p0 _ <<<"$b"
    printf '%-6s %-30s %-30s %s\n' "$round" "$s1 $t1 $p1" "$s0 $t0 $p0" "$switches"
    echo "$s1 $t1 $p1 $s0 $t0 $p0" >>"$work/all"
done
python3 - "$work/all" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
worst = 0
for i, name in enumerate(("sequential", "threads", "processes")):
    ratios = sorted(r[i] / r[i + 3] for r in rows)
    med = statistics.median(ratios)
    worst = max(worst, med)
    print(f"{name:10} wall on/off: median {med:.3f} (rounds {ratios[0]:.3f}–{ratios[-1]:.3f}); "
          f"median wall on {statistics.median(r[i] for r in rows):.3f} s, off {statistics.median(r[i + 3] for r in rows):.3f} s")
print(("PASS" if worst <= 1.02 else "MISS") + f" (target: ≤ 1.02; worst variant median {worst:.3f})")
PY
