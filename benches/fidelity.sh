#!/usr/bin/env bash
# Measurement fidelity: the CPU experiment's own program, run bare with /usr/bin/python3 and
# through gil-lab (queue + sandbox), back to back, ROUNDS times; prints the speedups of each and
# their ratio. Target: within ±10 %. Run from the repo root as root: bash benches/fidelity.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-9}
BIN=${GIL_LAB_BIN:-target/release/gil-lab}
[[ -x "$BIN" ]] || cargo build --release --quiet
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --addr "127.0.0.1:$port" --database-url "sqlite://$work/db.sqlite" --log warn \
    --max-runs-per-minute 1000 >"$work/server.log" 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done

mkdir "$work/bare"
# The bare run has the harness but no GIL recorder (no gil_sample_ns in its config).
cp content/experiments/cpu-bound/main.py src/sandbox/harness/gil_lab.py src/sandbox/harness/gil_timeline.py "$work/bare/"
# The experiment's own defaults and repeats, as the server would hand them to the harness.
/usr/bin/python3 - content/experiments/cpu-bound/experiment.toml >"$work/bare/config.json" <<'PY'
import json, sys, tomllib
e = tomllib.load(open(sys.argv[1], "rb"))
print(json.dumps({"params": {p["name"]: p["default"] for p in e["params"]}, "variants": e["variants"],
                  "repeats": e["repeats"], "min_repeats": e.get("min_repeats", e["repeats"]),
                  "spread": e.get("spread", 0.15)}))
PY

speedups() { # result JSON on stdin → "threads processes"
    python3 -c 'import json,sys; r=json.load(sys.stdin); v={x["name"]: x for x in r["variants"]}
print("%.3f %.3f" % (v["threads"]["speedup"], v["processes"]["speedup"]))'
}
bare_result() { # harness records on stdin → result JSON like the server's (medians)
    python3 -c '
import json, sys, statistics
walls = {}
for line in sys.stdin:
    r = json.loads(line)
    if r["type"] == "variant": walls.setdefault(r["name"], []).append(r["wall_ns"])
seq = statistics.median(walls["sequential"])
print(json.dumps({"variants": [{"name": n, "speedup": seq / statistics.median(w)} for n, w in walls.items()]}))'
}

echo "machine: $(nproc) cores, $(uname -r); $ROUNDS rounds, alternating bare and gil-lab"
printf '%-6s %-22s %-22s\n' round "bare threads/processes" "gil-lab threads/processes"
for round in $(seq "$ROUNDS"); do
    bare=$(cd "$work/bare" && /usr/bin/python3 -E -s -B main.py 3>"$work/records" >/dev/null && bare_result <"$work/records" | speedups)
    cookie="$work/cookie-$round"
    id=$(curl -sf -c "$cookie" -H 'content-type: application/json' \
        -d '{"experiment": "cpu-bound"}' "http://127.0.0.1:$port/api/runs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    curl -sf -b "$cookie" "http://127.0.0.1:$port/api/runs/$id/events" >/dev/null
    lab=$(curl -sf -b "$cookie" "http://127.0.0.1:$port/api/runs/$id" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["result"]))' | speedups)
    printf '%-6s %-22s %-22s\n' "$round" "$bare" "$lab"
    echo "$bare $lab" >>"$work/all"
done
python3 - "$work/all" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
bt, bp, lt, lp = (statistics.median(c) for c in zip(*rows))
print(f"median speedup, processes: bare {bp:.2f}×, gil-lab {lp:.2f}× → ratio {lp / bp:.3f}")
print(f"median speedup, threads:   bare {bt:.2f}×, gil-lab {lt:.2f}× → ratio {lt / bt:.3f}")
ok = all(abs(x - 1) <= 0.10 for x in (lp / bp, lt / bt))
print(("PASS" if ok else "MISS") + " (target: within ±10 %)")
PY
