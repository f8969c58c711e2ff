#!/usr/bin/env bash
# ./run demo: the live service on a local Kafka. Starts the stack (Docker when its engine runs, else
# Kafka and the schema registry from Maven Central, see stack/stack.sh), publishes the sample data to
# the prices topic at an accelerated pace, runs `candlestream run` and prints the hourly signals as
# they arrive. With neither Docker nor Java it runs the offline replay (backfill) instead.
# Topics get a per-run suffix so that every demo starts from empty topics.
set -euo pipefail
cd "$(dirname "$0")/.."
cs() { node cli/candlestream.ts "$@"; }

stop_stack=""
if docker info >/dev/null 2>&1; then
  echo "demo: starting Kafka and the schema registry with Docker" >&2
  docker compose up -d --wait kafka registry >&2
  brokers=127.0.0.1:9092
elif command -v java >/dev/null && command -v mvn >/dev/null; then
  stack/stack.sh status >/dev/null 2>&1 || stop_stack=1
  brokers=$(stack/stack.sh up | sed -n 's/^KAFKA_BROKERS=//p')
else
  echo "demo: neither a Docker engine nor Java here, so no Kafka: running the offline replay instead" >&2
  exec npm run --silent demo:offline
fi

run=$(date +%s)
prices=crypto-prices-demo-$run external=crypto-external-demo-$run signals=crypto-signals-demo-$run
mkdir -p out
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$stop_stack" ]; then stack/stack.sh down >&2; fi
}
trap cleanup EXIT

# The topics and the reference data first (the service refuses to start without its input topics).
cs publish --brokers "$brokers" --topic "$prices" --external-topic "$external" --source data/candles \
  --external data/external/fear_and_greed_index_daily.csv --limit 0 --quiet
node cli/candlestream.ts run --brokers "$brokers" --app-id "demo-$run" --input "$prices" --external "$external" --external-names fear_greed \
  --output "$signals" --signal-intervals 1h --dead-letter-topic "crypto-dead-letter-demo-$run" \
  --state-dir "out/live-state-$run" --metrics-port 0 > out/live.log 2>&1 &
pids+=($!)
# The service creates its output topics when it starts.
for _ in $(seq 1 120); do grep -q '"msg":"started"' out/live.log && break; kill -0 "${pids[0]}" 2>/dev/null || { cat out/live.log >&2; exit 1; }; sleep 0.5; done
node cli/candlestream.ts tail --brokers "$brokers" --topic "$signals" --from-beginning --idle-exit 8 &
tail_pid=$!
pids+=($tail_pid)
echo "demo: publishing 60,480 candles (BTC-USDT, BTC-USDC, 1-21 March 2023) at 5,000/s; hourly signals follow" >&2
cs publish --brokers "$brokers" --topic "$prices" --source data/candles --rate 5000 --quiet
wait "$tail_pid"
echo "demo: done; the service's log is out/live.log" >&2
