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
export HF_HOME='/project/scratch/'"${AIBENCH_ACCOUNT}"'/'"${USER}"'/hf'
export HF_TOKEN="${AIBENCH_P_HF_TOKEN}"
aibench_announce
exec apptainer exec --nv --bind "$AIBENCH_RUN_DIR" 'docker://vllm/vllm-openai:v0.6.6' 'vllm' 'serve' "${AIBENCH_P_MODEL}" '--host' '0.0.0.0' '--port' "${AIBENCH_PORT}" '--served-model-name' "${AIBENCH_P_SERVED_MODEL_NAME}" '--tensor-parallel-size' "${AIBENCH_P_TENSOR_PARALLEL_SIZE}" '--max-model-len' "${AIBENCH_P_MAX_MODEL_LEN}" '--gpu-memory-utilization' "${AIBENCH_P_GPU_MEMORY_UTILIZATION}"
