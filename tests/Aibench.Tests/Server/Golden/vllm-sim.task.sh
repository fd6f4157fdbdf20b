#!/bin/bash
# One task of the service: finds its ports, announces its endpoint, then becomes the service.
set -euo pipefail
source '/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/env.sh'
export AIBENCH_TASK="${SLURM_PROCID:-0}"
export AIBENCH_NODE="${SLURMD_NODENAME:-$(hostname -s)}"
aibench_host="${AIBENCH_ENDPOINT_HOST:-$(hostname)}"
aibench_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
aibench_step=$(( AIBENCH_TASKS * 1 ))
aibench_claims="/tmp/aibench-ports-$UID"
if [ ! -d "$aibench_claims" ] && command -v mkdir > /dev/null; then mkdir -p "$aibench_claims" 2>/dev/null || true; fi
aibench_lock="$aibench_claims/lock"
[ -d "$aibench_claims" ] && [ -w "$aibench_claims" ] || aibench_lock=/dev/null
aibench_take_port() {
  aibench_port=$(
    {
      if command -v flock > /dev/null; then flock -w 30 9 || true; fi
      p="$1"
      while :; do
        if aibench_port_free "$p"; then
          owner=""
          read -r owner 2>/dev/null < "$aibench_claims/$p" || true
          if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; then
            echo "$$" 2>/dev/null > "$aibench_claims/$p" || true
            break
          fi
        fi
        p=$(( p + $2 ))
      done
      echo "$p"
    } 9>>"$aibench_lock"
  )
}
aibench_take_port $(( 8000 + AIBENCH_TASK * 1 + 0 )) "$aibench_step"
export AIBENCH_PORT="$aibench_port"
export AIBENCH_PORT_HTTP="$aibench_port"
aibench_announce() {
  mkdir -p "$AIBENCH_RUN_DIR/endpoints"
  local f="$AIBENCH_RUN_DIR/endpoints/$AIBENCH_TASK.json"
  printf '{"host":"%s","port":%d,"node":"%s","task":%d}\n' "$aibench_host" "$AIBENCH_PORT" "$AIBENCH_NODE" "$AIBENCH_TASK" > "$f.tmp"
  mv "$f.tmp" "$f"
}
# Monitoring sidecars (metrics.exporters), written to exporters/<task>-<kind>.json like the endpoint.
# Not setsid: in the task's process group they are signalled with it by the local scheduler's cancel, and in
# the job step's cgroup SLURM kills them with the step. The service ending by itself is what neither covers
# (locally a sidecar would outlive it, holding its port): a watchdog per sidecar ends it once this shell's pid
# is gone, and that pid is the service's, since the command is exec'd.
aibench_exporter_port() {
  aibench_take_port $(( $1 + AIBENCH_TASK )) "$AIBENCH_TASKS"
  aibench_xp="$aibench_port"
}
aibench_exporter() {
  local kind="$1" f="$AIBENCH_RUN_DIR/exporters/$AIBENCH_TASK-$1" pid i
  shift
  mkdir -p "$AIBENCH_RUN_DIR/exporters"
  "$@" < /dev/null > "$f.log" 2>&1 &
  pid=$!
  ( while kill -0 $$ && kill -0 "$pid"; do sleep 2; done; kill "$pid" ) < /dev/null > /dev/null 2>&1 &
  for (( i = 0; i < 100; i++ )); do
    aibench_port_free "$aibench_xp" && kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if aibench_port_free "$aibench_xp" || ! kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    echo "aibench: the $kind exporter ($1) is not listening on port $aibench_xp of $AIBENCH_NODE; see $f.log" >&2
    return 1
  fi
  printf '{"kind":"%s","host":"%s","port":%d,"node":"%s","task":%d,"path":"/metrics"}\n' "$kind" "$aibench_host" "$aibench_xp" "$AIBENCH_NODE" "$AIBENCH_TASK" > "$f.json.tmp"
  mv "$f.json.tmp" "$f.json"
}
aibench_program=$(command -v prometheus-node-exporter || command -v node_exporter || true)
if [ -n "$aibench_program" ]; then
  aibench_exporter_port 9100
  aibench_exporter node "$aibench_program" "--web.listen-address=:$aibench_xp" --collector.disable-defaults \
    --collector.cpu --collector.meminfo --collector.loadavg --collector.netdev --collector.filesystem --collector.infiniband || true
fi
if command -v dcgm-exporter > /dev/null; then
  aibench_exporter_port 9400
  aibench_exporter gpu dcgm-exporter --address ":$aibench_xp" || true
elif command -v nvidia-smi > /dev/null && command -v "$AIBENCH_BIN" > /dev/null; then
  aibench_exporter_port 9400
  aibench_exporter gpu "$AIBENCH_BIN" gpu-sampler --port "$aibench_xp" || true
fi
export AIBENCH_HEAD_ADDRESS="$aibench_host"
aibench_announce
exec "${AIBENCH_BIN}" 'sim' '--host' '0.0.0.0' '--port' "${AIBENCH_PORT}" '--model' "${AIBENCH_P_SERVED_MODEL_NAME}" '--max-model-len' "${AIBENCH_P_MAX_MODEL_LEN}" '--max-num-seqs' "${AIBENCH_P_MAX_NUM_SEQS}" '--seed' "${AIBENCH_P_SEED}" '--decode-base' "${AIBENCH_P_DECODE_BASE_MS}"'ms' '--decode-per-seq' "${AIBENCH_P_DECODE_PER_SEQ_MS}"'ms' '--prefill-base' "${AIBENCH_P_PREFILL_BASE_MS}"'ms' '--prefill-per-token' "${AIBENCH_P_PREFILL_PER_TOKEN_MS}"'ms'
