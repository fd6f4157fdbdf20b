#!/bin/bash
# One task of the service: finds its ports, announces its endpoint, then becomes the service.
set -euo pipefail
source '/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/env.sh'
export AIBENCH_TASK="${SLURM_PROCID:-0}"
export AIBENCH_NODE="${SLURMD_NODENAME:-$(hostname -s)}"
aibench_host="${AIBENCH_ENDPOINT_HOST:-$(hostname)}"
aibench_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
aibench_step=$(( AIBENCH_TASKS * 1 ))
p=$(( 8000 + AIBENCH_TASK * 1 + 0 ))
while ! aibench_port_free "$p"; do p=$(( p + aibench_step )); done
export AIBENCH_PORT="$p"
export AIBENCH_PORT_HTTP="$p"
aibench_announce() {
  mkdir -p "$AIBENCH_RUN_DIR/endpoints"
  local f="$AIBENCH_RUN_DIR/endpoints/$AIBENCH_TASK.json"
  printf '{"host":"%s","port":%d,"node":"%s","task":%d}\n' "$aibench_host" "$AIBENCH_PORT" "$AIBENCH_NODE" "$AIBENCH_TASK" > "$f.tmp"
  mv "$f.tmp" "$f"
}
export AIBENCH_HEAD_ADDRESS="$aibench_host"
aibench_announce
exec "${AIBENCH_BIN}" 'sim' '--host' '0.0.0.0' '--port' "${AIBENCH_PORT}" '--model' "${AIBENCH_P_SERVED_MODEL_NAME}" '--max-model-len' "${AIBENCH_P_MAX_MODEL_LEN}" '--max-num-seqs' "${AIBENCH_P_MAX_NUM_SEQS}" '--seed' "${AIBENCH_P_SEED}"
