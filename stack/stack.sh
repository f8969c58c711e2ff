#!/usr/bin/env bash
# The local stack on loopback, from Maven Central artifacts (no Docker needed):
#   stack.sh up       fetch (once) and start Kafka in KRaft mode, the schema registry and a single-node
#                     HDFS (NameNode + DataNode, WebHDFS on); print their addresses as shell lines
#   stack.sh down     stop them cleanly, in the reverse order (SIGTERM, then SIGKILL after 30 s)
#   stack.sh status   print what runs, and where (exit 3 when Kafka is not running)
# Needs Java 17+ and Maven. State and logs live in $CANDLESTREAM_STACK_DIR
# (default ~/.cache/candlestream/stack). Every port can be moved by its variable below (KAFKA_PORT,
# HDFS_NAMENODE_PORT, ...), so a second stack, in another directory, can run beside the first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home="${CANDLESTREAM_STACK_DIR:-$HOME/.cache/candlestream/stack}"
kafka_port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
# A second listener that requires SASL (PLAIN, SCRAM-SHA-256/512), for testing authenticated clients.
# Its one user is a local test account, not a secret: candlestream / candlestream-secret.
sasl_port="${KAFKA_SASL_PORT:-9094}"
sasl_user=candlestream
sasl_password=candlestream-secret
# And one with TLS, its certificate self-signed for 127.0.0.1 (clients trust it with $tls_dir/ca.pem).
tls_port="${KAFKA_TLS_PORT:-9095}"
tls_dir="$home/tls"
tls_storepass=candlestream-local
heap="${KAFKA_HEAP:-512m}"
lib="$home/lib"
data="$home/kafka-data"
pidfile="$home/kafka.pid"
# Apicurio Registry (see registry/pom.xml); its Confluent-compatible API lives under this path.
registry_port="${SCHEMA_REGISTRY_PORT:-8081}"
registry_heap="${SCHEMA_REGISTRY_HEAP:-256m}"
registry_path=/apis/ccompat/v7
registry_url="http://127.0.0.1:$registry_port$registry_path"
registry_lib="$home/registry"
registry_data="$home/registry-data"
registry_pidfile="$home/registry.pid"
# HDFS (see hdfs/pom.xml): a NameNode and a DataNode, each its own JVM, all ports on loopback. WebHDFS is
# served by the NameNode's HTTP port (/webhdfs/v1), which redirects reads and writes to the DataNode's.
hdfs_port="${HDFS_NAMENODE_PORT:-8020}"                 # fs.defaultFS, the NameNode's RPC
hdfs_http_port="${HDFS_NAMENODE_HTTP_PORT:-9870}"       # WebHDFS, /jmx
datanode_port="${HDFS_DATANODE_PORT:-9866}"             # block transfer
datanode_http_port="${HDFS_DATANODE_HTTP_PORT:-9864}"   # WebHDFS's redirect target
datanode_ipc_port="${HDFS_DATANODE_IPC_PORT:-9867}"
hdfs_heap="${HDFS_HEAP:-256m}"
# WebHDFS calls without user.name run as this user ("simple" authentication: the caller names itself).
hdfs_user=candlestream
hdfs_lib="$home/hdfs"
hdfs_conf="$home/hdfs-conf"
hdfs_data="$home/hdfs-data"
namenode_pidfile="$home/hdfs-namenode.pid"
datanode_pidfile="$home/hdfs-datanode.pid"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Ready means GET <url>/subjects answers 200: the REST layer and its storage are both up. Plain bash, so
# curl is not needed.
registry_answers() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$registry_port"
    printf 'GET %s/subjects HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$registry_path" >&3
    IFS= read -r -t 5 line <&3
    [[ $line == "HTTP/1."?" 200"* ]]
  ) 2>/dev/null
}
kafka_address() {
  echo "KAFKA_BROKERS=127.0.0.1:$kafka_port"
  echo "KAFKA_SASL_BROKERS=127.0.0.1:$sasl_port"
  echo "KAFKA_TLS_BROKERS=127.0.0.1:$tls_port"
  echo "KAFKA_TLS_CA=$tls_dir/ca.pem"
}
registry_address() { echo "SCHEMA_REGISTRY_URL=$registry_url"; }
# Ready means the NameNode's JMX reports a live DataNode and FSState Operational (out of safe mode): its
# WebHDFS answers about 2 s before the DataNode registers, and a CREATE then fails ("could only be
# written to 0 nodes").
hdfs_ready() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$hdfs_http_port"
    printf 'GET /jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    body=$(timeout 5 cat <&3)
    [[ $body =~ \"NumLiveDataNodes\"\ *:\ *[1-9] && $body =~ \"FSState\"\ *:\ *\"Operational\" ]]
  ) 2>/dev/null
}
hdfs_address() {
  echo "HDFS_URL=hdfs://127.0.0.1:$hdfs_port"
  echo "WEBHDFS_URL=http://127.0.0.1:$hdfs_http_port"
  echo "WEBHDFS_USER=$hdfs_user"
}
need_mvn() { command -v mvn >/dev/null || { echo "stack: Maven (mvn) is needed to fetch the stack from Maven Central" >&2; exit 1; }; }

fetch() {
  [ -f "$lib/.complete" ] && return
  need_mvn
  echo "stack: fetching Kafka from Maven Central into $lib" >&2
  mkdir -p "$lib"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" -DincludeScope=runtime >&2
  touch "$lib/.complete"
}

# The registry's tarball is a ready Quarkus app (runner jar + lib/). The stamp holds registry/pom.xml's
# checksum, so a version bump there fetches anew.
fetch_registry() {
  local stamp
  stamp=$(cksum < "$here/registry/pom.xml")
  [ "$(cat "$registry_lib/.complete" 2>/dev/null)" = "$stamp" ] && return
  need_mvn
  echo "stack: fetching Apicurio Registry from Maven Central into $registry_lib" >&2
  rm -rf "$registry_lib"
  mkdir -p "$registry_lib"
  mvn -q -B -Dstyle.color=never -f "$here/registry/pom.xml" dependency:copy-dependencies -DoutputDirectory="$registry_lib" >&2
  tar -xzf "$registry_lib"/apicurio-registry-app-*-all.tar.gz -C "$registry_lib"
  rm -f "$registry_lib"/apicurio-registry-app-*-all.tar.gz
  echo "$stamp" > "$registry_lib/.complete"
}

# Hadoop's jars from Maven Central; the stamp holds hdfs/pom.xml's checksum, so a version bump fetches anew.
fetch_hdfs() {
  local stamp
  stamp=$(cksum < "$here/hdfs/pom.xml")
  [ "$(cat "$hdfs_lib/.complete" 2>/dev/null)" = "$stamp" ] && return
  need_mvn
  echo "stack: fetching Hadoop (HDFS) from Maven Central into $hdfs_lib" >&2
  rm -rf "$hdfs_lib"
  mkdir -p "$hdfs_lib"
  mvn -q -B -Dstyle.color=never -f "$here/hdfs/pom.xml" dependency:copy-dependencies -DoutputDirectory="$hdfs_lib" -DincludeScope=runtime >&2
  echo "$stamp" > "$hdfs_lib/.complete"
}

# A key pair and self-signed certificate for the TLS listener, made once with the JDK's keytool.
make_certificate() {
  [ -f "$tls_dir/ca.pem" ] && return
  mkdir -p "$tls_dir"
  keytool -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 3650 -dname CN=127.0.0.1 \
    -ext SAN=ip:127.0.0.1,dns:localhost -storetype PKCS12 -keystore "$tls_dir/broker.p12" \
    -storepass "$tls_storepass" -keypass "$tls_storepass" >/dev/null 2>&1
  keytool -exportcert -rfc -alias broker -keystore "$tls_dir/broker.p12" -storepass "$tls_storepass" -file "$tls_dir/ca.pem" >/dev/null 2>&1
}

configure() {
  make_certificate
  mkdir -p "$data"
  cat > "$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port,SASL_PLAINTEXT://127.0.0.1:$sasl_port,SSL://127.0.0.1:$tls_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port,SASL_PLAINTEXT://127.0.0.1:$sasl_port,SSL://127.0.0.1:$tls_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls_dir/broker.p12
ssl.keystore.password=$tls_storepass
ssl.key.password=$tls_storepass
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$sasl_user="$sasl_password";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
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

start_kafka() {
  running "$pidfile" && return
  if answers "$kafka_port"; then echo "stack: port $kafka_port is taken by another process; set KAFKA_PORT" >&2; exit 1; fi
  if answers "$sasl_port"; then echo "stack: port $sasl_port is taken by another process; set KAFKA_SASL_PORT" >&2; exit 1; fi
  if answers "$tls_port"; then echo "stack: port $tls_port is taken by another process; set KAFKA_TLS_PORT" >&2; exit 1; fi
  fetch
  configure
  nohup java "-Xmx$heap" "-Xms$heap" -XX:+UseG1GC -cp "$lib/*" \
    "-Dlog4j.configuration=file:$here/log4j.properties" "-Dkafka.logs.dir=$home/logs" \
    kafka.Kafka "$home/server.properties" > "$home/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    answers "$kafka_port" && { add_scram_user; return; }
    running "$pidfile" || { echo "stack: Kafka exited during start-up; see $home/logs" >&2; tail -n 20 "$home/logs/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "stack: Kafka did not answer on 127.0.0.1:$kafka_port within 60 s; see $home/logs" >&2
  exit 1
}

# SCRAM credentials live in the cluster metadata: added once, through the admin API.
add_scram_user() {
  [ -f "$data/.scram-user" ] && return
  local mechanism
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do # one per request: the broker refuses two at once
    java -cp "$lib/*" kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$kafka_port" --alter \
      --add-config "$mechanism=[password=$sasl_password]" --entity-type users --entity-name "$sasl_user" \
      >> "$home/logs/scram.log" 2>&1 \
      || { echo "stack: could not add the $mechanism user (see $home/logs/scram.log); SASL PLAIN still works" >&2; return; }
  done
  touch "$data/.scram-user"
}

# The XML both daemons read (first on their classpath), written at each start so the ports follow the
# variables; the NameNode directory is formatted once.
configure_hdfs() {
  mkdir -p "$hdfs_conf" "$hdfs_data"
  # HttpServer2 looks webapps/<name> up on the classpath, and the jars on Maven Central carry none (the
  # tarball does). Empty ones do: WebHDFS and /jmx are registered in code, only the HTML UI is missing.
  mkdir -p "$hdfs_conf/webapps/hdfs" "$hdfs_conf/webapps/datanode" "$hdfs_conf/webapps/static"
  cat > "$hdfs_conf/core-site.xml" <<XML
<?xml version="1.0"?>
<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:$hdfs_port</value></property>
  <property><name>hadoop.tmp.dir</name><value>$hdfs_data/tmp</value></property>
  <property><name>hadoop.http.staticuser.user</name><value>$hdfs_user</value></property>
  <!-- groups without running "id" (the WebHDFS user need not exist on the machine) -->
  <property><name>hadoop.user.group.static.mapping.overrides</name><value>dr.who=;$hdfs_user=supergroup</value></property>
</configuration>
XML
  cat > "$hdfs_conf/hdfs-site.xml" <<XML
<?xml version="1.0"?>
<configuration>
  <property><name>dfs.namenode.name.dir</name><value>file://$hdfs_data/name</value></property>
  <property><name>dfs.datanode.data.dir</name><value>file://$hdfs_data/data</value></property>
  <property><name>dfs.replication</name><value>1</value></property>
  <property><name>dfs.permissions.enabled</name><value>false</value></property>
  <property><name>dfs.namenode.rpc-address</name><value>127.0.0.1:$hdfs_port</value></property>
  <property><name>dfs.namenode.http-address</name><value>127.0.0.1:$hdfs_http_port</value></property>
  <property><name>dfs.datanode.address</name><value>127.0.0.1:$datanode_port</value></property>
  <property><name>dfs.datanode.http.address</name><value>127.0.0.1:$datanode_http_port</value></property>
  <property><name>dfs.datanode.ipc.address</name><value>127.0.0.1:$datanode_ipc_port</value></property>
  <!-- WebHDFS's redirects name the DataNode by this; without it they say "localhost" (reverse DNS) -->
  <property><name>dfs.datanode.hostname</name><value>127.0.0.1</value></property>
  <!-- leave safe mode as soon as the blocks are reported, not 30 s later -->
  <property><name>dfs.namenode.safemode.extension</name><value>0</value></property>
</configuration>
XML
  if [ -z "$(ls -A "$hdfs_data/name" 2>/dev/null)" ]; then
    # A DataNode directory from an earlier format keeps the old cluster id, and the DataNode would exit
    # ("All specified directories have failed to load").
    rm -rf "$hdfs_data/data"
    java -Xmx128m -XX:+UseSerialGC "-Dlog4j.configuration=file:$here/hdfs/log4j.properties" -cp "$hdfs_conf:$hdfs_lib/*" \
      org.apache.hadoop.hdfs.server.namenode.NameNode -format -nonInteractive > "$home/logs/hdfs-format.log" 2>&1 \
      || { echo "stack: formatting the HDFS NameNode failed; see $home/logs/hdfs-format.log" >&2; tail -n 20 "$home/logs/hdfs-format.log" >&2; exit 1; }
  fi
}

# hdfs_daemon NAME CLASS. --add-opens: Hadoop 3.4's WebHDFS (Jersey 1, JAXB) answers 500 on Java 17
# without it. C1 only (TieredStopAtLevel=1): starts in about half the time on two cores, and moved 64 MB
# in and out no slower (the work is I/O and CRC intrinsics).
hdfs_daemon() {
  nohup java "-Xmx$hdfs_heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true \
    --add-opens=java.base/java.lang=ALL-UNNAMED \
    "-Dlog4j.configuration=file:$here/hdfs/log4j.properties" "-Djava.util.logging.config.file=$here/hdfs/jul.properties" \
    -cp "$hdfs_conf:$hdfs_lib/*" "$2" > "$home/logs/hdfs-$1.log" 2>&1 &
  echo $! > "$home/hdfs-$1.pid"
}

# Both daemons start together (the DataNode retries until the NameNode answers); if only one of them runs
# (the other crashed), both are started afresh.
start_hdfs() {
  if ! running "$namenode_pidfile" || ! running "$datanode_pidfile"; then
    stop_hdfs || true
    local port variable
    for variable in HDFS_NAMENODE_PORT:$hdfs_port HDFS_NAMENODE_HTTP_PORT:$hdfs_http_port HDFS_DATANODE_PORT:$datanode_port \
      HDFS_DATANODE_HTTP_PORT:$datanode_http_port HDFS_DATANODE_IPC_PORT:$datanode_ipc_port; do
      port=${variable#*:}
      if answers "$port"; then echo "stack: port $port is taken by another process; set ${variable%%:*}" >&2; exit 1; fi
    done
    fetch_hdfs
    configure_hdfs
    hdfs_daemon namenode org.apache.hadoop.hdfs.server.namenode.NameNode
    hdfs_daemon datanode org.apache.hadoop.hdfs.server.datanode.DataNode
  fi
  local name
  for _ in $(seq 1 240); do
    hdfs_ready && return
    for name in namenode datanode; do
      if ! running "$home/hdfs-$name.pid"; then
        echo "stack: the HDFS $name exited during start-up; see $home/logs/hdfs-$name.log" >&2
        tail -n 20 "$home/logs/hdfs-$name.log" >&2
        stop_hdfs || true
        exit 1
      fi
    done
    sleep 0.25
  done
  stop_hdfs || true
  echo "stack: HDFS was not ready (a live DataNode, out of safe mode) on 127.0.0.1:$hdfs_http_port within 60 s; see $home/logs" >&2
  exit 1
}

# Schemas are kept in an H2 file next to Kafka's data, so ids in stored records still resolve after a
# restart. BACKWARD is Confluent's default compatibility; Apicurio's is none. It runs from $home because
# Quarkus also reads .env and config/ from its working directory.
start_registry() {
  running "$registry_pidfile" && return
  if answers "$registry_port"; then echo "stack: port $registry_port is taken by another process; set SCHEMA_REGISTRY_PORT" >&2; exit 1; fi
  fetch_registry
  mkdir -p "$registry_data"
  local log="$home/logs/registry.log" jar
  jar=$(echo "$registry_lib"/apicurio-registry-app-*-runner.jar)
  (cd "$home" && exec nohup java "-Xmx$registry_heap" -XX:+UseG1GC \
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$registry_port" \
    "-Dquarkus.datasource.jdbc.url=jdbc:h2:file:$registry_data/registry" \
    -Dregistry.rules.global.compatibility=BACKWARD \
    -jar "$jar") > "$log" 2>&1 &
  echo $! > "$registry_pidfile"
  for _ in $(seq 1 120); do
    registry_answers && return
    running "$registry_pidfile" || { echo "stack: the schema registry exited during start-up; see $log" >&2; tail -n 20 "$log" >&2; exit 1; }
    sleep 0.5
  done
  stop "schema registry" "$registry_pidfile" || true
  echo "stack: the schema registry did not answer on $registry_url/subjects within 60 s; see $log" >&2
  exit 1
}

up() {
  command -v java >/dev/null || { echo "stack: Java 17+ is needed to run the stack" >&2; exit 1; }
  mkdir -p "$home/logs"
  start_kafka
  start_registry
  start_hdfs
  kafka_address
  registry_address
  hdfs_address
}

# stop NAME PIDFILE: SIGTERM, then SIGKILL after 30 s.
stop() {
  running "$2" || { rm -f "$2"; return 1; }
  local pid
  pid=$(cat "$2")
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$2"; echo "stack: $1 stopped" >&2; return; }; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$2"
  echo "stack: $1 did not stop within 30 s and was killed" >&2
}

# The two HDFS daemons together (a DataNode without its NameNode only retries); status 1 when neither ran.
stop_hdfs() {
  local datanode namenode stopped=1
  stop "HDFS DataNode" "$datanode_pidfile" & datanode=$!
  stop "HDFS NameNode" "$namenode_pidfile" & namenode=$!
  wait "$datanode" && stopped=0
  wait "$namenode" && stopped=0
  return "$stopped"
}

# In the reverse order of up.
down() {
  local stopped=0
  stop_hdfs && stopped=1
  stop "schema registry" "$registry_pidfile" && stopped=1
  stop Kafka "$pidfile" && stopped=1
  [ "$stopped" = 1 ] || echo "stack: not running" >&2
}

status() {
  local code=0
  if running "$pidfile"; then echo "# Kafka running, pid $(cat "$pidfile")"; kafka_address; else echo "# Kafka not running"; code=3; fi
  if running "$registry_pidfile"; then echo "# Schema registry running, pid $(cat "$registry_pidfile")"; registry_address; else echo "# Schema registry not running"; fi
  if running "$namenode_pidfile" && running "$datanode_pidfile"; then
    if hdfs_ready; then echo "# HDFS running, NameNode pid $(cat "$namenode_pidfile"), DataNode pid $(cat "$datanode_pidfile")"
    else echo "# HDFS starting or unhealthy (no live DataNode, or in safe mode), NameNode pid $(cat "$namenode_pidfile"), DataNode pid $(cat "$datanode_pidfile")"; fi
    hdfs_address
  elif running "$namenode_pidfile"; then echo "# HDFS NameNode running (pid $(cat "$namenode_pidfile")), its DataNode not; stack.sh up restarts both"
  elif running "$datanode_pidfile"; then echo "# HDFS DataNode running (pid $(cat "$datanode_pidfile")), its NameNode not; stack.sh up restarts both"
  else echo "# HDFS not running"; fi
  exit "$code"
}

mkdir -p "$home"
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: stack.sh up|down|status" >&2; exit 2 ;;
esac
