#!/usr/bin/env bash
# make bench, the side-by-side: the gateway, a Gin + one-Redis-round-trip
# baseline and stripe-mock (pinned, built from the Go module proxy), each
# driven by wrk with the same connections, in interleaved rounds, on one
# redis-server. Prints req/s, p50, p99 and the ratios to the baseline of
# the same round (docs/benchmarks.md). BENCH_BEFORE=<commit> also builds
# the gateway of that commit and runs it in the same rounds (its own Redis
# database), so "before" and "after" are measured side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
STRIPE_MOCK_VERSION=v0.197.0
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; exit 1; }

command -v wrk >/dev/null || { echo "make bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
rport=$(port); gport=$(port); bport=$(port); sport=$(port); oport=$(port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >/dev/null &
go build -o "$dir/mockgateway" ./mockgateway
go build -o "$dir/baseline" ./bench/baseline
GOBIN="$dir" go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
before=${BENCH_BEFORE:-}
if [ -n "$before" ]; then
  mkdir "$dir/before"
  git archive "$before" | tar -x -C "$dir/before"
  (cd "$dir/before" && go build -o "$dir/mockgateway-before" ./mockgateway)
fi
wait_port "$rport"
GATEWAY_ADDR="127.0.0.1:$gport" REDIS_URL="redis://127.0.0.1:$rport/0" ADMIN_TOKEN=adm_bench_0123456789abcdefghij \
  STRIPE_ADDR= NOTIFY_SCHEDULE=0s DEMO_NOTIFY_URL="http://127.0.0.1:$gport/healthz" \
  "$dir/mockgateway" 2>"$dir/gateway.log" &
"$dir/baseline" -addr "127.0.0.1:$bport" -redis "redis://127.0.0.1:$rport/1" 2>"$dir/baseline.log" &
"$dir/stripe-mock" -http-port "$sport" >"$dir/stripe-mock.log" 2>&1 &
if [ -n "$before" ]; then
  GATEWAY_ADDR="127.0.0.1:$oport" REDIS_URL="redis://127.0.0.1:$rport/2" ADMIN_TOKEN=adm_bench_0123456789abcdefghij \
    STRIPE_ADDR= NOTIFY_SCHEDULE=0s DEMO_NOTIFY_URL="http://127.0.0.1:$oport/healthz" \
    "$dir/mockgateway-before" 2>"$dir/gateway-before.log" &
  wait_port "$oport"
fi
wait_port "$gport"; wait_port "$bport"; wait_port "$sport"

# One payment for the GET workload, on each gateway.
payment() {
  curl -sf "http://127.0.0.1:$1/v1/payments" -H 'Authorization: Bearer sk_test_demo' \
    -d '{"out_trade_no":"bench-get","amount":1999,"method":"alipay","subject":"Get"}' | sed -E 's/.*"id":"([^"]+)".*/\1/'
}
pid=$(payment "$gport")
[ -z "$before" ] || pid_before=$(payment "$oport")

export BENCH_WRK_DIR="$PWD/bench/wrk"
run() { # name script url [env...]
  local name=$1 script=$2 url=$3; shift 3
  env BENCH_NAME="$name" BENCH_RUN="$name-$round-$RANDOM" "$@" \
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "bench/wrk/$script" "$url" | grep '^RESULT' >>"$dir/results"
}
# The workloads of a round, in order. Redis fills up as a run goes on, so
# even rounds run them in reverse: no workload always runs on the fullest
# (or the emptiest) Redis of its round.
workloads=(
  "baseline pay.lua http://127.0.0.1:$bport"
  "stripe-mock intents.lua http://127.0.0.1:$sport"
  "create create.lua http://127.0.0.1:$gport"
  "create-idempotent create.lua http://127.0.0.1:$gport BENCH_IDEMPOTENCY=1"
  "get get.lua http://127.0.0.1:$gport BENCH_PAYMENT=$pid"
)
if [ -n "$before" ]; then
  workloads+=(
    "before-create create.lua http://127.0.0.1:$oport"
    "before-create-idempotent create.lua http://127.0.0.1:$oport BENCH_IDEMPOTENCY=1"
    "before-get get.lua http://127.0.0.1:$oport BENCH_PAYMENT=$pid_before"
  )
fi
for round in $(seq "$ROUNDS"); do
  order=("${workloads[@]}")
  if [ $((round % 2)) -eq 0 ]; then
    order=()
    for ((i = ${#workloads[@]} - 1; i >= 0; i--)); do order+=("${workloads[i]}"); done
  fi
  for w in "${order[@]}"; do
    # shellcheck disable=SC2086 # the words of a workload are its arguments
    run $w
  done
done
go run ./bench/report <"$dir/results"
