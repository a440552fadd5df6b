#!/usr/bin/env bash
# Runs one real Apache Kafka node (KRaft, combined broker+controller, loopback only) from the
# jars that deploy/kafka/pom.xml resolves from Maven Central. See docs in KAFKA.md.
#
#   broker.sh fetch   make sure the broker jars are in $KAFKA_LIBS_DIR (runs mvn once)
#   broker.sh start   fetch, write config, format storage once, then exec java in the FOREGROUND
#   broker.sh wait    block until the broker on 127.0.0.1:$KAFKA_PORT answers (60 s timeout)
#
# Environment (all optional):
#   KAFKA_LIBS_DIR          jar folder             (default <repo>/.cache/kafka/libs)
#   KAFKA_DATA_DIR          config + data folder   (default <repo>/var/kafka)
#   KAFKA_PORT              PLAINTEXT port         (default 9092)
#   KAFKA_CONTROLLER_PORT   CONTROLLER port        (default 9093)
#   KAFKA_HEAP              java -Xmx              (default 512m)
#   KAFKA_JVM_OPTS          extra JVM flags, appended after the defaults
#   KAFKA_EXTRA_PROPERTIES  extra server.properties lines, appended (a later key wins), e.g.
#                           $'broker.session.timeout.ms=3000\nbroker.heartbeat.interval.ms=1000'
#   KAFKA_LOG_LEVEL         broker log level on stderr (default WARN; INFO to debug start-up)
#   KAFKA_WAIT_TIMEOUT      seconds for `wait`     (default 60)
#   KAFKA_PYTHON            python for `wait`      (default <repo>/.venv/bin/python, else python3)
#
# Exit codes: 2 usage, 3 java/mvn missing, 4 jar download failed, 5 data dir in use by another
# broker, other = java's own (143 after SIGTERM).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
POM="$REPO/deploy/kafka/pom.xml"
LIBS_DIR="${KAFKA_LIBS_DIR:-$REPO/.cache/kafka/libs}"
DATA_DIR="${KAFKA_DATA_DIR:-$REPO/var/kafka}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${KAFKA_HEAP:-512m}"
INSTALL_HINT="apt-get install -y openjdk-17-jre-headless maven"

die() {
  local code="$1"
  shift
  echo "broker.sh: $*" >&2
  exit "$code"
}

require_cmd() {
  command -v "$1" >/dev/null 2>&1 ||
    die 3 "'$1' is not installed or not on PATH; install Java 17 and Maven, e.g. '$INSTALL_HINT'"
}

have_jars() {
  compgen -G "$LIBS_DIR/kafka_2.13-*.jar" >/dev/null 2>&1
}

cmd_fetch() {
  require_cmd java
  if have_jars; then
    return 0
  fi
  require_cmd mvn
  mkdir -p "$(dirname "$LIBS_DIR")"
  # Serialise concurrent fetches (parallel test runs); re-check once the lock is held.
  local lock="$LIBS_DIR.lock"
  exec 9>"$lock"
  if command -v flock >/dev/null 2>&1; then
    flock 9
  fi
  if ! have_jars; then
    echo "broker.sh: downloading the Kafka broker jars into $LIBS_DIR (once) ..." >&2
    # Copy into a scratch folder and rename it, so an interrupted download never looks complete.
    local tmp="$LIBS_DIR.tmp.$$"
    rm -rf "$tmp"
    if ! mvn -q -B -f "$POM" package -Dlibs.dir="$tmp" >&2; then
      rm -rf "$tmp"
      die 4 "mvn could not resolve the Kafka jars (is Maven Central reachable?)"
    fi
    rm -rf "$LIBS_DIR"
    mv "$tmp" "$LIBS_DIR"
    have_jars || die 4 "mvn finished but no kafka_2.13 jar is in $LIBS_DIR"
  fi
  exec 9>&-
}

# 22-char base64url encoding of 16 random bytes, like `kafka-storage.sh random-uuid`.
# Kafka never hands out ids starting with '-' (they look like CLI flags), so neither do we.
new_cluster_id() {
  local id=""
  while [[ ${#id} -ne 22 || $id == -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  printf '%s\n' "$id"
}

write_config() {
  local log_dir="$1"
  cat >"$DATA_DIR/server.properties" <<EOF
# Written by deploy/kafka/broker.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$log_dir
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  if [[ -n ${KAFKA_EXTRA_PROPERTIES:-} ]]; then
    printf '# from KAFKA_EXTRA_PROPERTIES\n%s\n' "$KAFKA_EXTRA_PROPERTIES" >>"$DATA_DIR/server.properties"
  fi
  local level="${KAFKA_LOG_LEVEL:-WARN}"
  cat >"$DATA_DIR/log4j2.properties" <<EOF
# Written by deploy/kafka/broker.sh: a quiet broker ($level and above) on stderr.
status = error
name = KafkaBroker
appender.console.type = Console
appender.console.name = STDERR
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = $level
rootLogger.appenderRef.console.ref = STDERR
logger.kafka.name = kafka
logger.kafka.level = $level
logger.apache.name = org.apache.kafka
logger.apache.level = $level
EOF
}

cmd_start() {
  cmd_fetch
  mkdir -p "$DATA_DIR"
  DATA_DIR="$(cd "$DATA_DIR" && pwd)"
  # One broker per data dir: a second KRaft node on the same metadata log becomes a second
  # leader and corrupts it before Kafka's own log-dir lock stops it. fd 8 survives the exec
  # below, so java holds this lock until it exits (also on SIGKILL).
  exec 8>"$DATA_DIR/.broker.lock"
  if command -v flock >/dev/null 2>&1 && ! flock -n 8; then
    die 5 "another broker is already running with data dir $DATA_DIR"
  fi
  local log_dir="$DATA_DIR/data"
  local id_file="$DATA_DIR/cluster.id"
  local cluster_id=""
  if [[ -s $id_file ]]; then
    cluster_id="$(tr -d '[:space:]' <"$id_file")"
  elif [[ -s $log_dir/meta.properties ]]; then
    # Storage formatted earlier but the id file was lost: keep the id that is on disk.
    cluster_id="$(sed -n 's/^cluster\.id=//p' "$log_dir/meta.properties" | tr -d '[:space:]')"
  fi
  if [[ -z $cluster_id ]]; then
    cluster_id="$(new_cluster_id)"
  fi
  printf '%s\n' "$cluster_id" >"$id_file"
  write_config "$log_dir"

  local -a jvm=(
    "-Xmx$HEAP" "-Xms64m" -Xss512k
    -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=64m
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=file:$DATA_DIR/log4j2.properties"
    "-Dkafka.logs.dir=$DATA_DIR"
  )
  if [[ -n ${KAFKA_JVM_OPTS:-} ]]; then
    # shellcheck disable=SC2206  # word splitting is intended for a flags string
    jvm+=($KAFKA_JVM_OPTS)
  fi
  local cp="$LIBS_DIR/*"

  # Formatting needs its own JVM (~1 s), so skip it when this data dir is already formatted.
  if [[ ! -s $log_dir/meta.properties ]]; then
    java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format --standalone --ignore-formatted \
      -t "$cluster_id" -c "$DATA_DIR/server.properties" >&2
  fi
  cd "$DATA_DIR"
  exec java "${jvm[@]}" -cp "$cp" kafka.Kafka "$DATA_DIR/server.properties"
}

cmd_wait() {
  local py="${KAFKA_PYTHON:-$REPO/.venv/bin/python}"
  if [[ ! -x $py ]]; then
    py="$(command -v python3 || true)"
    [[ -n $py ]] || die 3 "no python found to run the readiness check"
  fi
  cd "$REPO"
  exec "$py" -m shared.testing.kafka wait --bootstrap "127.0.0.1:$PORT" \
    --timeout "${KAFKA_WAIT_TIMEOUT:-60}"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  wait) cmd_wait ;;
  *)
    echo "usage: $0 {fetch|start|wait}" >&2
    exit 2
    ;;
esac
