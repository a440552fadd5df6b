#!/usr/bin/env bash
# `make run`: the whole platform on this machine, in the foreground, until Ctrl-C.
#
#   1. migrates the four services' databases (SQLite files under var/ unless <SVC>_DATABASE_URL
#      says otherwise) and seeds identity: reference organisations, then demo users
#   2. writes var/run/Procfile and var/run/env and hands over to honcho (exec), which runs
#        kafka          the local broker (deploy/kafka/broker.sh), only when
#                       KAFKA_BOOTSTRAP_SERVERS is not set in the environment
#        setup          waits for Kafka, creates every service's topics, waits for the four
#                       APIs' /healthz, prints the URLs, then idles
#        <svc>-api      uvicorn; identity first, the other three once identity's /healthz answers
#        <svc>-worker   outbox relay + Kafka consumer, once the topics exist
#   Ctrl-C (or SIGTERM to honcho) stops every process, the broker included.
#
# Environment (all optional): RUN_HOST (127.0.0.1), IDENTITY_PORT (8001), ASSURANCE_PORT
# (8002), PROCUREMENT_PORT (8003), MARKET_PORT (8004), RUN_WAIT_TIMEOUT (180 s),
# KAFKA_BOOTSTRAP_SERVERS (an external broker: no local one is started), KAFKA_PORT,
# KAFKA_CONTROLLER_PORT, KAFKA_DATA_DIR, ... (deploy/kafka/broker.sh), and every service
# setting (docs/configuration.md). Per-service <SVC>_KAFKA_BOOTSTRAP_SERVERS and
# <SVC>_IDENTITY_URL default to the broker and identity API started here, <SVC>_METRICS_PORT
# (the workers' Prometheus endpoints) to 9101 (identity) ... 9104 (market).
#
# The other sub-commands (setup, api SVC, worker SVC) are what var/run/Procfile runs.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
VENV="${VENV:-.venv}"
[[ $VENV == /* ]] || VENV="$REPO/$VENV"
PY="$VENV/bin/python"
SERVICES=(identity assurance procurement market)
RUN_DIR="$REPO/var/run"
TOPICS_READY="$RUN_DIR/topics.ready"
DEMO_USERS="$RUN_DIR/demo-users.txt"
HOST="${RUN_HOST:-127.0.0.1}"
TIMEOUT="${RUN_WAIT_TIMEOUT:-180}"
export PYTHONUNBUFFERED=1

log() { printf 'run: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

upper() { printf '%s' "$1" | tr '[:lower:]' '[:upper:]'; }

port_of() { # service -> its API port
  local var
  var="$(upper "$1")_PORT"
  case "$1" in
    identity) printf '%s' "${!var:-8001}" ;;
    assurance) printf '%s' "${!var:-8002}" ;;
    procurement) printf '%s' "${!var:-8003}" ;;
    market) printf '%s' "${!var:-8004}" ;;
  esac
}

metrics_port_of() { # service -> its worker's Prometheus port (<SVC>_METRICS_PORT)
  local var
  var="$(upper "$1")_METRICS_PORT"
  case "$1" in
    identity) printf '%s' "${!var:-9101}" ;;
    assurance) printf '%s' "${!var:-9102}" ;;
    procurement) printf '%s' "${!var:-9103}" ;;
    market) printf '%s' "${!var:-9104}" ;;
  esac
}

url_of() { # service -> base URL a browser on this machine can use
  local host="$HOST"
  [[ $host == 0.0.0.0 || $host == "::" ]] && host=127.0.0.1
  [[ $host == *:* ]] && host="[$host]"
  printf 'http://%s:%s' "$host" "$(port_of "$1")"
}

# Block until every URL answers 200 (or the timeout passes: exit 1).
wait_http() {
  "$PY" - "$TIMEOUT" "$@" <<'EOF'
import sys, time, urllib.request
timeout, urls = float(sys.argv[1]), sys.argv[2:]
deadline = time.monotonic() + timeout
for url in urls:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"run: {url} did not answer within {timeout:.0f} s")
        time.sleep(0.5)
EOF
}

# Run "name command..." jobs in parallel; print each one's output; fail if any failed.
run_parallel() {
  local -a names=() pids=() logs=()
  local spec name failed=0 i
  for spec in "$@"; do
    name="${spec%%|*}"
    names+=("$name")
    logs+=("$(mktemp)")
    bash -c "${spec#*|}" >"${logs[-1]}" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      failed=1
      log "${names[$i]} FAILED:"
      sed 's/^/    /' "${logs[$i]}" >&2
    else
      # The CLIs log JSON on stderr; their one-line results go to stdout. Show the results.
      grep -v '^{' "${logs[$i]}" | sed 's/^/  /' >&2 || true
    fi
    rm -f "${logs[$i]}"
  done
  return "$failed"
}

ensure_ports_free() { # host port... -> fail naming the first port in use
  "$PY" - "$@" <<'EOF'
import socket, sys
host, ports = sys.argv[1], sys.argv[2:]
for port in ports:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the servers do: connections in TIME_WAIT from a previous run do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except OSError as exc:
            sys.exit(f"run: port {port} on {host} is in use ({exc.strerror}); is `make run` "
                     "already running? Choose other ports with e.g. IDENTITY_PORT=9001 or "
                     "KAFKA_PORT=19092 (see README.md)")
EOF
}

# ---- make run -----------------------------------------------------------------------------

cmd_main() {
  [[ -x $PY ]] || die "no virtualenv at $VENV: run 'make run' (it creates one)"
  local local_kafka=1 bootstrap svc SVC var
  if [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]]; then
    local_kafka=0
    bootstrap="$KAFKA_BOOTSTRAP_SERVERS"
  else
    bootstrap="127.0.0.1:${KAFKA_PORT:-9092}"
  fi

  local -a ports=()
  for svc in "${SERVICES[@]}"; do ports+=("$(port_of "$svc")"); done
  ensure_ports_free "$HOST" "${ports[@]}"
  ports=()
  for svc in "${SERVICES[@]}"; do ports+=("$(metrics_port_of "$svc")"); done
  ensure_ports_free 127.0.0.1 "${ports[@]}"
  if ((local_kafka)); then
    ensure_ports_free 127.0.0.1 "${KAFKA_PORT:-9092}" "${KAFKA_CONTROLLER_PORT:-9093}"
  fi

  # Defaults for the services, unless the caller set them.
  for svc in "${SERVICES[@]}"; do
    SVC="$(upper "$svc")"
    var="${SVC}_KAFKA_BOOTSTRAP_SERVERS"
    export "$var=${!var:-$bootstrap}"
    var="${SVC}_METRICS_PORT"
    export "$var=$(metrics_port_of "$svc")"
    if [[ $svc != identity ]]; then
      var="${SVC}_IDENTITY_URL"
      export "$var=${!var:-$(url_of identity)}"
    fi
  done

  mkdir -p "$RUN_DIR"
  rm -f "$TOPICS_READY" "$DEMO_USERS"

  if ((local_kafka)); then
    # Fails fast (and says what to install) without java/mvn; downloads the jars once.
    deploy/kafka/broker.sh fetch
  fi

  log "migrating the four databases and seeding identity and procurement ..."
  local started=$SECONDS
  run_parallel \
    "identity|'$REPO/deploy/run.sh' prepare-identity" \
    "assurance|'$PY' -m services.assurance.cli migrate" \
    "procurement|'$PY' -m services.procurement.cli migrate && '$PY' -m services.procurement.cli seed" \
    "market|'$PY' -m services.market.cli migrate" ||
    die "migrations or seeds failed (see above)"
  log "databases ready in $((SECONDS - started)) s"

  write_procfile "$local_kafka"
  write_env "$local_kafka" "$bootstrap"

  local -a honcho=(start -f var/run/Procfile -e var/run/env -d "$REPO")
  [[ -t 1 && -z ${NO_COLOR:-} ]] || honcho+=(--no-colour)
  log "starting $(grep -c '^[a-z]' var/run/Procfile) processes with honcho (var/run/Procfile);" \
    "Ctrl-C stops them all"
  # honcho stops every process when one exits, or on Ctrl-C, SIGTERM or SIGHUP (supervise.py).
  exec "$PY" deploy/supervise.py "${honcho[@]}"
}

# Identity's database: migrate, reference organisations, demo users (a command that may not
# exist yet in an older checkout: tolerated with a note).
cmd_prepare_identity() {
  local out rc=0
  "$PY" -m services.identity.cli migrate
  "$PY" -m services.identity.cli seed
  out="$("$PY" -m services.identity.cli seed-demo-users 2>&1)" || rc=$?
  if ((rc == 0)); then
    printf '%s\n' "$out" | grep -v '^{' | tee "$DEMO_USERS"
  elif grep -q "invalid choice: 'seed-demo-users'" <<<"$out"; then
    echo "note: identity has no 'seed-demo-users' command yet; no demo users were created" |
      tee "$DEMO_USERS"
  else
    printf '%s\n' "$out"
    return "$rc"
  fi
}

write_procfile() {
  local local_kafka="$1" svc
  {
    echo "# Written by deploy/run.sh for \`make run\`; run with honcho, edits are overwritten."
    if ((local_kafka)); then
      echo "kafka: exec deploy/kafka/broker.sh start"
    fi
    echo "setup: exec deploy/run.sh setup"
    for svc in "${SERVICES[@]}"; do
      echo "$svc-api: exec deploy/run.sh api $svc"
    done
    for svc in "${SERVICES[@]}"; do
      echo "$svc-worker: exec deploy/run.sh worker $svc"
    done
  } >"$RUN_DIR/Procfile"
}

write_env() {
  local local_kafka="$1" bootstrap="$2" svc SVC name
  {
    echo "# Written by deploy/run.sh for \`make run\`: what honcho adds to each process's"
    echo "# environment (the rest is inherited from the shell that ran make)."
    echo "RUN_HOST=$HOST"
    echo "RUN_WAIT_TIMEOUT=$TIMEOUT"
    echo "RUN_BOOTSTRAP=$bootstrap"
    echo "RUN_LOCAL_KAFKA=$local_kafka"
    if ((local_kafka)); then
      echo "KAFKA_PORT=${KAFKA_PORT:-9092}"
    fi
    for svc in "${SERVICES[@]}"; do
      SVC="$(upper "$svc")"
      echo "${SVC}_PORT=$(port_of "$svc")"
      for name in "${SVC}_KAFKA_BOOTSTRAP_SERVERS" "${SVC}_IDENTITY_URL" "${SVC}_METRICS_PORT"; do
        if [[ -n ${!name:-} ]]; then echo "$name=${!name}"; fi
      done
    done
    echo "PYTHONUNBUFFERED=1"
  } >"$RUN_DIR/env"
}

# ---- the processes in var/run/Procfile --------------------------------------------------------

cmd_setup() {
  local bootstrap="${RUN_BOOTSTRAP:?run by deploy/run.sh only}" svc started=$SECONDS
  if ! "$PY" -m shared.testing.kafka wait --bootstrap "$bootstrap" --timeout "$TIMEOUT"; then
    die "Kafka at $bootstrap did not become ready"
  fi
  local -a jobs=()
  for svc in "${SERVICES[@]}"; do
    jobs+=("$svc topics|'$PY' -m services.$svc.cli topics")
  done
  run_parallel "${jobs[@]}" || die "creating topics failed"
  touch "$TOPICS_READY"

  local -a urls=()
  for svc in "${SERVICES[@]}"; do urls+=("$(url_of "$svc")/healthz"); done
  wait_http "${urls[@]}" || exit 1
  print_banner "$((SECONDS - started))"
  exec sleep infinity
}

print_banner() {
  local svc kafka db SVC var
  if [[ ${RUN_LOCAL_KAFKA:-1} == 1 ]]; then
    kafka="$RUN_BOOTSTRAP (local broker; data in ${KAFKA_DATA_DIR:-var/kafka})"
  else
    kafka="$RUN_BOOTSTRAP (external)"
  fi
  echo "=============================================================================="
  echo " NHS commissioning platform is up (Kafka, topics and APIs ready in ${1} s)."
  echo ""
  printf ' %-12s %-28s %-36s %s\n' service "API docs" health database
  for svc in "${SERVICES[@]}"; do
    SVC="$(upper "$svc")"
    var="${SVC}_DATABASE_URL"
    if [[ -n ${!var:-} ]]; then
      db="\$${var}"
    else
      db="var/$svc.db"
    fi
    printf ' %-12s %-28s %-36s %s\n' "$svc" "$(url_of "$svc")/docs" "$(url_of "$svc")/healthz" "$db"
  done
  echo ""
  echo " Kafka: $kafka"
  echo " Metrics: each API's /metrics; workers on http://127.0.0.1:$(metrics_port_of identity)/metrics" \
    "(identity) to :$(metrics_port_of market) (market); docs/operations.md"
  echo ""
  if grep -q '^note:' "$DEMO_USERS" 2>/dev/null; then
    sed 's/^/ /' "$DEMO_USERS"
  elif [[ -s $DEMO_USERS ]]; then
    echo " Demo users (log in with POST $(url_of identity)/token, grant_type=password):"
    sed 's/^/ /' "$DEMO_USERS"
  fi
  echo ""
  echo " Logs of every process follow. Ctrl-C stops everything, the broker included."
  echo "=============================================================================="
}

cmd_api() {
  local svc="${1:?usage: run.sh api SERVICE}"
  if [[ $svc != identity ]]; then
    # Tidiness only: the other services fetch identity's JWKS lazily, on the first token.
    wait_http "$(url_of identity)/healthz" || exit 1
  fi
  exec "$VENV/bin/uvicorn" --factory "services.$svc.app:create_app" \
    --host "$HOST" --port "$(port_of "$svc")"
}

cmd_worker() {
  local svc="${1:?usage: run.sh worker SERVICE}" deadline=$((SECONDS + TIMEOUT))
  until [[ -e $TOPICS_READY ]]; do
    ((SECONDS < deadline)) || die "$svc-worker: topics not ready after $TIMEOUT s"
    sleep 0.2
  done
  exec "$PY" -m "services.$svc.worker"
}

case "${1:-main}" in
  main) cmd_main ;;
  prepare-identity) cmd_prepare_identity ;;
  setup) cmd_setup ;;
  api) cmd_api "${2:-}" ;;
  worker) cmd_worker "${2:-}" ;;
  *)
    echo "usage: $0 [setup|api SERVICE|worker SERVICE|prepare-identity]" >&2
    exit 2
    ;;
esac
