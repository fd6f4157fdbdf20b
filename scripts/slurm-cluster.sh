#!/usr/bin/env bash
# A real 4-node SLURM cluster on this one machine, for tests: munged, slurmctld, four `slurmd -N nodeN`
# (each with its own spool, pid and log file) and slurmrestd on a Unix socket.
#   scripts/slurm-cluster.sh start DIR   → writes DIR/env (source it: SLURM_CONF, AIBENCHTEST_SLURMRESTD_SOCKET, ...)
#   scripts/slurm-cluster.sh stop DIR
# A second cluster beside the first (the failure drills stop their own slurmctld) needs other ports and job ids:
#   AIBENCH_SLURM_CTLD_PORT (16817), AIBENCH_SLURM_NODE_PORT_BASE (17000: node n listens on base + n),
#   AIBENCH_SLURM_FIRST_JOB_ID (SLURM's default, 1) and AIBENCH_SLURM_CLUSTER_NAME (aibenchtest).
# Everything else (munge socket, slurmrestd socket, spool, state, logs) is inside DIR already.
# Needs root (slurmd runs jobs as their owner) and the Debian packages slurmctld slurmd slurmrestd munge slurm-client.
set -euo pipefail

cmd=${1:?start|stop}
DIR=$(realpath -m "${2:?folder}")
NODES=${SLURM_TEST_NODES:-4}
CTLD_PORT=${AIBENCH_SLURM_CTLD_PORT:-16817}
NODE_PORT_BASE=${AIBENCH_SLURM_NODE_PORT_BASE:-17000}
FIRST_JOB_ID=${AIBENCH_SLURM_FIRST_JOB_ID:-1}
CLUSTER_NAME=${AIBENCH_SLURM_CLUSTER_NAME:-aibenchtest}
for value in "$CTLD_PORT" "$NODE_PORT_BASE" "$FIRST_JOB_ID"; do
  [[ $value =~ ^[0-9]+$ ]] || { echo "$0: ports and job ids must be numbers, not '$value'" >&2; exit 2; }
done
[[ $CLUSTER_NAME =~ ^[a-z][a-z0-9_]*$ ]] || { echo "$0: AIBENCH_SLURM_CLUSTER_NAME must be lower-case letters, digits, '_'" >&2; exit 2; }

stop() {
  # slurmrestd runs under runuser, whose pid is the one recorded; match the daemon by its config file instead.
  pkill -f "slurmrestd -f $DIR/slurm.conf" 2>/dev/null || true
  for pidfile in "$DIR"/run/*.pid; do
    [[ -f "$pidfile" ]] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  # slurmd children (slurmstepd) and jobs go with their daemons; give them a moment.
  sleep 1
  for pidfile in "$DIR"/run/*.pid; do
    [[ -f "$pidfile" ]] || continue
    kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

if [[ $cmd == stop ]]; then stop; exit 0; fi
[[ $cmd == start ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "$0 needs root" >&2; exit 1; }

mkdir -p "$DIR"/{run,log,spool,state,munge}
chmod 755 "$DIR"
host=$(hostname -s)

# munged as the munge user, with a socket of our own so that a munged already running is left alone.
chown munge:munge "$DIR/munge"
MUNGE_SOCKET="$DIR/munge/munge.socket.2"
runuser -u munge -- /usr/sbin/munged --socket="$MUNGE_SOCKET" --pid-file="$DIR/munge/munged.pid" \
  --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed" --force
cp "$DIR/munge/munged.pid" "$DIR/run/munged.pid"

cat > "$DIR/slurm.conf" <<CONF
ClusterName=$CLUSTER_NAME
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
FirstJobId=$FIRST_JOB_ID
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmdSpoolDir=$DIR/spool/slurmd-%n
SlurmdLogFile=$DIR/log/slurmd-%n.log
SlurmctldLogFile=$DIR/log/slurmctld.log
StateSaveLocation=$DIR/state
ReturnToService=2
MinJobAge=600
KillWait=5
InactiveLimit=0
NodeName=node[1-$NODES] NodeHostname=$host NodeAddr=127.0.0.1 Port=[$((NODE_PORT_BASE + 1))-$((NODE_PORT_BASE + NODES))] CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=cpu Nodes=node[1-$NODES] Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
export SLURM_CONF="$DIR/slurm.conf"

/usr/sbin/slurmctld -f "$SLURM_CONF" -i
for n in $(seq 1 "$NODES"); do
  mkdir -p "$DIR/spool/slurmd-node$n"
  /usr/sbin/slurmd -f "$SLURM_CONF" -N "node$n"
done

# slurmrestd with rest_auth/local submits jobs as the user it runs as. It refuses root unless told otherwise; here it
# runs as root (SLURMRESTD_SECURITY=disable_user_check) so that its jobs belong to the same user as the tests' jobs
# and run folders, as they would with JWT authentication on a site.
mkdir -p "$DIR/rest"
RESTSOCK="$DIR/rest/slurmrestd.sock"
SLURMRESTD_SECURITY=disable_user_check nohup /usr/sbin/slurmrestd -f "$SLURM_CONF" -s openapi/v0.0.38 -a rest_auth/local \
  "unix:$RESTSOCK" >"$DIR/log/slurmrestd.log" 2>&1 &
echo $! >"$DIR/run/slurmrestd.pid"

# Ready when every node is idle.
for _ in $(seq 1 60); do
  idle=$(sinfo -h -N -t idle -o '%N' 2>/dev/null | sort -u | wc -l)
  [[ $idle -ge $NODES ]] && break
  sleep 1
done
if [[ ${idle:-0} -lt $NODES ]]; then
  echo "SLURM did not come up: $(sinfo -N 2>&1)" >&2
  tail -n 20 "$DIR"/log/*.log >&2
  exit 1
fi

cat > "$DIR/env" <<ENV
export SLURM_CONF=$SLURM_CONF
export AIBENCHTEST_SLURM=1
export AIBENCHTEST_SLURM_NODES=$NODES
export AIBENCHTEST_SLURMRESTD_SOCKET=$RESTSOCK
ENV
echo "SLURM cluster up: $NODES nodes, SLURM_CONF=$SLURM_CONF"
