#!/usr/bin/env bash
# A class at once, side by side with measurement fidelity (issue 11): each experiment's cost at
# its defaults and BURSTS bursts of 30 learners on the CPU experiment (cargo bench --bench runs,
# ONLY=class), then the fidelity of the CPU experiment's speedups through gil-lab against bare
# python3 (benches/fidelity.sh). Run from the repo root as root: bash benches/class.sh
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
ONLY=class cargo bench --quiet --bench runs 2>/dev/null
echo
echo "## fidelity: the CPU experiment's defaults, bare python3 against gil-lab"
ROUNDS=${ROUNDS:-9} bash benches/fidelity.sh
