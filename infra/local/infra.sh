#!/usr/bin/env bash
# Local real infrastructure on loopback: Apache Kafka (KRaft), PostgreSQL, a MongoDB-wire server
# (mongo-java-server on its durable H2 backend).
# Installs once into .local/, starts idempotently, waits for health, stops only what it started.
# Usage: infra/local/infra.sh up|down|reset --yes|status|logs [kafka|postgres|mongo] [--help]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/infra/local"
LOCAL="${JOURNEY_LOCAL_DIR:-$ROOT/.local}"
RUN="$LOCAL/run"

KAFKA_PORT="${JOURNEY_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${JOURNEY_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_SCRAM_PORT="${JOURNEY_KAFKA_SCRAM_PORT:-19094}"
PG_PORT="${JOURNEY_PG_PORT:-15432}"
MONGO_PORT="${JOURNEY_MONGO_PORT:-27018}"
PG_USER="journey"
PG_PASSWORD="journey"
PG_OS_USER="${JOURNEY_PG_OS_USER:-journeydb}"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<EOF
Usage: npm run infra:<command>   (or infra/local/infra.sh <command> [service])

Commands:
  up       install what is missing, start Kafka, PostgreSQL and the MongoDB-wire server, wait until healthy
  down     stop every process this script started (by its pid file)
  reset    with --yes: stop them and delete their data (topics, databases, read models), keeping the
           installs; the next up starts empty (after benches, whose backlog new consumer groups would read)
  status   show each server, its pid, its address and whether it answers
  logs     print the last lines of each server's log (or of one: kafka|postgres|mongo)

Everything lives under $LOCAL (ignored by git). Ports: Kafka $KAFKA_PORT (SASL/SCRAM with ACLs on
$KAFKA_SCRAM_PORT, users journey-<service>, password journey-<service>-local-password), PostgreSQL $PG_PORT,
MongoDB wire $MONGO_PORT; override with JOURNEY_KAFKA_PORT, JOURNEY_KAFKA_SCRAM_PORT, JOURNEY_PG_PORT,
JOURNEY_MONGO_PORT.
EOF
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() {
  local f="$RUN/$1.pid"
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

wait_for() { # name seconds command...
  local name="$1" secs="$2"; shift 2
  local i
  for ((i = 0; i < secs * 4; i++)); do
    if "$@"; then return 0; fi
    sleep 0.25
  done
  return 1
}

# ---------------------------------------------------------------- Kafka
kafka_installed() { [[ -f "$LOCAL/kafka/libs/.complete" ]]; }

kafka_install() {
  kafka_installed && return 0
  command -v java >/dev/null || die "Java 17+ is needed for Kafka (apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "Maven is needed to fetch the Kafka jars (apt-get install maven)"
  log "kafka: resolving broker jars with Maven (first run only)"
  rm -rf "$LOCAL/kafka/libs"
  mkdir -p "$LOCAL/kafka/libs"
  mvn -q -B -f "$HERE/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$LOCAL/kafka/libs" -DincludeScope=runtime >"$LOCAL/kafka/maven.log" 2>&1 \
    || { tail -20 "$LOCAL/kafka/maven.log" >&2; die "kafka: maven could not resolve the broker (see $LOCAL/kafka/maven.log)"; }
  touch "$LOCAL/kafka/libs/.complete"
}

kafka_tool() { java -Dlog4j2.configurationFile="$HERE/kafka/log4j2.xml" -cp "$LOCAL/kafka/libs/*" "$@"; }

kafka_ready() { port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$LOCAL/kafka/server.log" 2>/dev/null; }

kafka_up() {
  if pid_alive kafka && port_open "$KAFKA_PORT"; then log "kafka: already running on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  port_open "$KAFKA_PORT" && die "kafka: port $KAFKA_PORT is taken by another process (set JOURNEY_KAFKA_PORT)"
  kafka_install
  local dir="$LOCAL/kafka"
  sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@SCRAM_PORT@#$KAFKA_SCRAM_PORT#g" \
    -e "s#@DATA_DIR@#$dir/data#g" "$HERE/kafka/server.properties" >"$dir/server.properties"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    log "kafka: formatting KRaft storage"
    mkdir -p "$dir/data"
    local cluster_id
    cluster_id="$(kafka_tool kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    kafka_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
      || { cat "$dir/format.log" >&2; die "kafka: storage format failed"; }
  fi
  : >"$dir/server.log"
  log "kafka: starting on 127.0.0.1:$KAFKA_PORT"
  setsid nohup java -Xms256m -Xmx768m -Dlog4j2.configurationFile="$HERE/kafka/log4j2.xml" -cp "$LOCAL/kafka/libs/*" \
    kafka.Kafka "$dir/server.properties" </dev/null >"$dir/server.log" 2>&1 9>&- &
  echo $! >"$RUN/kafka.pid"
  wait_for kafka 90 kafka_ready || { tail -30 "$dir/server.log" >&2; die "kafka: not ready after 90 s (log: $dir/server.log)"; }
  kafka_scram_users
  log "kafka: ready"
}

# The services' SCRAM users on the SCRAM listener (local passwords, loopback only; a cluster's come from
# Strimzi's KafkaUser Secrets). Set once per data directory.
KAFKA_SCRAM_USERS_VERSION=1
kafka_scram_users() {
  local marker="$LOCAL/kafka/data/.scram-users-v$KAFKA_SCRAM_USERS_VERSION"
  [[ -f "$marker" ]] && return 0
  local users=() service
  for service in channels contacts tickets knowledge analytics; do users+=("journey-$service=journey-$service-local-password"); done
  kafka_tool "$HERE/kafka/ScramUsers.java" "127.0.0.1:$KAFKA_PORT" "${users[@]}" >"$LOCAL/kafka/scram-users.log" 2>&1 \
    || { cat "$LOCAL/kafka/scram-users.log" >&2; die "kafka: could not create the SCRAM users"; }
  touch "$marker"
}

# ---------------------------------------------------------------- PostgreSQL
pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/postgres" ]] && { echo "$d"; return 0; }; done
  return 1
}

pg_install() {
  pg_bin >/dev/null && return 0
  [[ $(id -u) -eq 0 ]] || die "postgres: the PostgreSQL server is missing; install it with: sudo apt-get install -y postgresql"
  log "postgres: installing Debian's postgresql package (first run only)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  # The Debian package starts a cluster on 5432; it is not ours and we leave it alone.
  pg_bin >/dev/null || die "postgres: installed, but no server binary found under /usr/lib/postgresql"
}

# initdb refuses to run as root, so as root the cluster belongs to an unprivileged system user.
# runuser and useradd live in sbin, which a non-login PATH may lack.
sbin() { command -v "$1" 2>/dev/null || { for d in /usr/sbin /sbin; do [[ -x "$d/$1" ]] && { echo "$d/$1"; return 0; }; done; die "$1 not found (util-linux / passwd)"; }; }
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then "$(sbin runuser)" -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

pg_ready() { as_pg "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_up() {
  local dir="$LOCAL/postgres"
  if pid_alive postgres && pg_ready; then log "postgres: already running on 127.0.0.1:$PG_PORT"; return 0; fi
  port_open "$PG_PORT" && die "postgres: port $PG_PORT is taken by another process (set JOURNEY_PG_PORT)"
  pg_install
  local bin; bin="$(pg_bin)"
  if [[ $(id -u) -eq 0 ]] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
    log "postgres: creating system user $PG_OS_USER to own the local cluster"
    "$(sbin useradd)" --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown "$PG_OS_USER" "$dir"
  as_pg test -w "$dir" || die "postgres: $PG_OS_USER cannot write $dir; every parent folder of the repo must be traversable (chmod o+x)"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    log "postgres: initdb"
    local pw="$dir/.pwfile"
    printf '%s\n' "$PG_PASSWORD" >"$pw"; [[ $(id -u) -eq 0 ]] && chown "$PG_OS_USER" "$pw"
    as_pg "$bin/initdb" -D "$dir/data" -U "$PG_USER" --pwfile="$pw" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "postgres: initdb failed"; }
    rm -f "$pw"
    cat >>"$dir/data/postgresql.conf" <<EOF
# journey local settings
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 256MB
fsync = on
EOF
  fi
  log "postgres: starting on 127.0.0.1:$PG_PORT"
  # pg_stat_statements is loaded (not created in any database) so that benches can read statement costs.
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c shared_preload_libraries=pg_stat_statements" start >/dev/null 9>&- \
    || { tail -30 "$dir/server.log" >&2; die "postgres: failed to start (log: $dir/server.log)"; }
  head -1 "$dir/data/postmaster.pid" >"$RUN/postgres.pid"
  wait_for postgres 30 pg_ready || die "postgres: not accepting connections"
  local db
  for db in journey; do
    PGPASSWORD="$PG_PASSWORD" "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
      || PGPASSWORD="$PG_PASSWORD" "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -c "CREATE DATABASE $db"
  done
  log "postgres: ready"
}

pg_down() {
  pid_alive postgres || { rm -f "$RUN/postgres.pid"; return 0; }
  log "postgres: stopping"
  as_pg "$(pg_bin)/pg_ctl" -D "$LOCAL/postgres/data" -m fast -w stop >/dev/null || true
  rm -f "$RUN/postgres.pid"
}

# ---------------------------------------------------------------- MongoDB wire (mongo-java-server)
mongo_installed() { [[ -f "$LOCAL/mongo/classes/MongoWireServer.class" && -f "$LOCAL/mongo/libs/.complete" ]]; }

mongo_install() {
  mongo_installed && [[ "$LOCAL/mongo/classes/MongoWireServer.class" -nt "$HERE/mongo/src/MongoWireServer.java" ]] && return 0
  command -v javac >/dev/null || die "mongo: a JDK (javac) is needed for the MongoDB-wire server (apt-get install openjdk-17-jdk-headless)"
  command -v mvn >/dev/null || die "mongo: Maven is needed to fetch mongo-java-server (apt-get install maven)"
  log "mongo: resolving mongo-java-server with Maven and compiling its launcher (first run only)"
  rm -rf "$LOCAL/mongo/libs" "$LOCAL/mongo/classes"
  mkdir -p "$LOCAL/mongo/libs" "$LOCAL/mongo/classes"
  mvn -q -B -f "$HERE/mongo/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$LOCAL/mongo/libs" -DincludeScope=runtime >"$LOCAL/mongo/maven.log" 2>&1 \
    || { tail -20 "$LOCAL/mongo/maven.log" >&2; die "mongo: maven could not resolve mongo-java-server (see $LOCAL/mongo/maven.log)"; }
  touch "$LOCAL/mongo/libs/.complete"
  javac -d "$LOCAL/mongo/classes" -cp "$LOCAL/mongo/libs/*" "$HERE/mongo/src/MongoWireServer.java" \
    || die "mongo: could not compile infra/local/mongo/src/MongoWireServer.java"
}

mongo_ready() { port_open "$MONGO_PORT" && grep -q 'mongo-wire server listening' "$LOCAL/mongo/server.log" 2>/dev/null; }

mongo_up() {
  local dir="$LOCAL/mongo"
  if pid_alive mongo && port_open "$MONGO_PORT"; then log "mongo: already running on 127.0.0.1:$MONGO_PORT"; return 0; fi
  port_open "$MONGO_PORT" && die "mongo: port $MONGO_PORT is taken by another process (set JOURNEY_MONGO_PORT)"
  mongo_install
  mkdir -p "$dir/data"
  log "mongo: starting the MongoDB-wire server on 127.0.0.1:$MONGO_PORT"
  setsid nohup java -Xms128m -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.MongoServer=info \
    -cp "$dir/classes:$dir/libs/*" MongoWireServer 127.0.0.1 "$MONGO_PORT" "$dir/data/journey.mv" \
    </dev/null >"$dir/server.log" 2>&1 9>&- &
  echo $! >"$RUN/mongo.pid"
  wait_for mongo 60 mongo_ready || { tail -30 "$dir/server.log" >&2; die "mongo: not listening after 60 s (log: $dir/server.log)"; }
  log "mongo: ready"
}

# ---------------------------------------------------------------- common
stop_pid() { # name
  local f="$RUN/$1.pid" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    log "$1: stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    wait_for "$1" 30 bash -c "! kill -0 $pid 2>/dev/null" || { log "$1: did not stop in 30 s, killing"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$f"
}

status_line() { # name port pidname
  local state="stopped" pid="-"
  [[ -f "$RUN/$3.pid" ]] && pid="$(cat "$RUN/$3.pid")"
  if pid_alive "$3"; then
    if port_open "$2"; then state="up"; else state="starting-or-broken"; fi
  elif port_open "$2"; then state="port-taken-by-another-process"; fi
  printf '%-10s %-30s pid %-8s 127.0.0.1:%s\n' "$1" "$state" "$pid" "$2"
  [[ "$state" == up ]]
}

cmd="${1:-}"
case "$cmd" in
  -h | --help | help | "") usage; [[ -n "$cmd" ]] ;;
  up)
    mkdir -p "$RUN"
    exec 9>"$LOCAL/.infra.lock"; flock -w 600 9 || die "another infra command holds $LOCAL/.infra.lock"
    pg_up
    mongo_up
    kafka_up
    log "all up: kafka 127.0.0.1:$KAFKA_PORT, postgres 127.0.0.1:$PG_PORT, mongo 127.0.0.1:$MONGO_PORT"
    ;;
  down)
    mkdir -p "$RUN"
    exec 9>"$LOCAL/.infra.lock"; flock -w 120 9 || die "another infra command holds $LOCAL/.infra.lock"
    stop_pid kafka
    stop_pid mongo
    pg_down
    ;;
  reset)
    [[ "${2:-}" == --yes ]] || die "reset deletes every topic, database and read model under $LOCAL: run it with --yes"
    mkdir -p "$RUN"
    exec 9>"$LOCAL/.infra.lock"; flock -w 120 9 || die "another infra command holds $LOCAL/.infra.lock"
    stop_pid kafka
    stop_pid mongo
    pg_down
    for data in kafka/data postgres/data mongo/data; do
      [[ -e "$LOCAL/$data" ]] || continue
      log "reset: deleting $LOCAL/$data"
      rm -rf -- "${LOCAL:?}/$data"
    done
    log "reset: done; infra/local/infra.sh up starts empty servers"
    ;;
  status)
    mkdir -p "$RUN"
    ok=0
    status_line kafka "$KAFKA_PORT" kafka || ok=1
    status_line postgres "$PG_PORT" postgres || ok=1
    status_line mongo "$MONGO_PORT" mongo || ok=1
    exit $ok
    ;;
  logs)
    which="${2:-all}"
    for pair in kafka:kafka/server.log postgres:postgres/server.log mongo:mongo/server.log; do
      name="${pair%%:*}"; file="$LOCAL/${pair#*:}"
      [[ "$which" == all || "$which" == "$name" ]] || continue
      printf '==> %s (%s)\n' "$name" "$file"
      tail -n "${LINES:-40}" "$file" 2>/dev/null || echo "(no log yet)"
    done
    ;;
  *) usage; die "unknown command: $cmd" ;;
esac
