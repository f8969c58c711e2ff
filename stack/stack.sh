#!/usr/bin/env bash
# The local stack on loopback, from Maven Central artifacts (no Docker needed):
#   stack.sh up       fetch (once) and start Kafka in KRaft mode; print its address as shell lines
#   stack.sh down     stop it cleanly (SIGTERM, then SIGKILL after 30 s)
#   stack.sh status   print what runs, and where
# Needs Java 17+ and Maven. State and logs live in $CANDLESTREAM_STACK_DIR
# (default ~/.cache/candlestream/stack). The schema registry and HDFS join it with the live-service
# and HDFS work.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home="${CANDLESTREAM_STACK_DIR:-$HOME/.cache/candlestream/stack}"
kafka_port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
heap="${KAFKA_HEAP:-512m}"
lib="$home/lib"
data="$home/kafka-data"
pidfile="$home/kafka.pid"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null; }
addresses() { echo "KAFKA_BROKERS=127.0.0.1:$kafka_port"; }

fetch() {
  [ -f "$lib/.complete" ] && return
  command -v mvn >/dev/null || { echo "stack: Maven (mvn) is needed to fetch Kafka from Maven Central" >&2; exit 1; }
  echo "stack: fetching Kafka from Maven Central into $lib" >&2
  mkdir -p "$lib"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" -DincludeScope=runtime >&2
  touch "$lib/.complete"
}

configure() {
  mkdir -p "$data"
  cat > "$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=4
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  if [ ! -f "$data/meta.properties" ]; then
    local id
    id=$(java -cp "$lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    java -cp "$lib/*" kafka.tools.StorageTool format -t "$id" -c "$home/server.properties" >/dev/null 2>&1
  fi
}

up() {
  if running; then addresses; return; fi
  command -v java >/dev/null || { echo "stack: Java 17+ is needed to run Kafka" >&2; exit 1; }
  if answers; then echo "stack: port $kafka_port is taken by another process; set KAFKA_PORT" >&2; exit 1; fi
  fetch
  configure
  mkdir -p "$home/logs"
  nohup java "-Xmx$heap" "-Xms$heap" -XX:+UseG1GC -cp "$lib/*" \
    "-Dlog4j.configuration=file:$here/log4j.properties" "-Dkafka.logs.dir=$home/logs" \
    kafka.Kafka "$home/server.properties" > "$home/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if answers; then addresses; return; fi
    running || { echo "stack: Kafka exited during start-up; see $home/logs" >&2; tail -n 20 "$home/logs/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "stack: Kafka did not answer on 127.0.0.1:$kafka_port within 60 s; see $home/logs" >&2
  exit 1
}

down() {
  running || { rm -f "$pidfile"; echo "stack: not running" >&2; return; }
  local pid
  pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "stack: stopped" >&2; return; }; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "stack: Kafka did not stop within 30 s and was killed" >&2
}

status() {
  if running; then echo "# Kafka running, pid $(cat "$pidfile")"; addresses; else echo "# Kafka not running"; exit 3; fi
}

mkdir -p "$home"
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: stack.sh up|down|status" >&2; exit 2 ;;
esac
