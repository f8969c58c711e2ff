# Shared by the scripts that run Python tools (sourced, not run): a venv with pinned requirements,
# and a Java for Spark.

# python_venv DIR REQUIREMENTS: create DIR (a venv) if missing and install REQUIREMENTS into it.
python_venv() {
  if [ ! -x "$1/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$1"
  fi
  "$1/bin/python" -m pip install --quiet --disable-pip-version-check -r "$2"
}

# spark_java LABEL: export JAVA_HOME for Spark 4 (Java 17 or 21), or stop naming what was found.
spark_java() {
  if [ -z "${JAVA_HOME:-}" ]; then
    for candidate in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/java-21-openjdk-*; do
      if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
    done
  fi
  local java version
  java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  version="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  case "$version" in
    17|21) ;;
    *) echo "$1: Spark 4 needs Java 17 or 21, found '${version:-none}' ($java); set JAVA_HOME" >&2; exit 1 ;;
  esac
}

# spark_quiet DIR [JAVA_OPTIONS]: PySpark in-process with Spark's own logging at errors only (a log4j2
# file written into DIR), on loopback, in UTC.
spark_quiet() {
  cat >"$1/log4j2.properties" <<'LOG'
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
LOG
  export PYSPARK_SUBMIT_ARGS="--driver-java-options \"-Dlog4j2.configurationFile=file:$1/log4j2.properties${2:+ $2}\" pyspark-shell"
  export SPARK_LOCAL_IP=127.0.0.1
  export TZ=UTC
}
