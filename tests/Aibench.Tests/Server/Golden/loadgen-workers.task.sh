#!/bin/bash
# One load-generator worker. Its exit status and node are written to workers/<task>.exit, so that the host can
# name a worker that died and why, even when the job itself goes on.
set -uo pipefail
source '/project/scratch/p200000/aibench/runs/loadgen-0192f3a4-5b6c-7d8e-9f01-23456789abcd/env.sh'
export AIBENCH_TASK="${SLURM_PROCID:-0}"
export AIBENCH_NODE="${SLURMD_NODENAME:-$(hostname -s)}"
mkdir -p "$AIBENCH_RUN_DIR/workers"
printf '%s\n' "$AIBENCH_NODE" > "$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.node"
"$AIBENCH_BIN" loadgen --worker "$AIBENCH_RUN_DIR/worker.json" --worker-index "$AIBENCH_TASK" --worker-node "$AIBENCH_NODE" &
pid=$!
printf '%d\n' "$pid" > "$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.pid"
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
wait "$pid"; rc=$?
while kill -0 "$pid" 2>/dev/null; do wait "$pid"; rc=$?; done
printf '{"exit":%d,"node":"%s","task":%d}\n' "$rc" "$AIBENCH_NODE" "$AIBENCH_TASK" > "$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.exit.tmp"
mv "$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.exit.tmp" "$AIBENCH_RUN_DIR/workers/$AIBENCH_TASK.exit"
exit "$rc"
