#!/usr/bin/env bash
# A CPU profile of the gateway binary under wrk load on one workload
# (create, create-idempotent, get): bench/profile.sh create 10s
# Writes the profile to ./gateway-<workload>.pprof and prints its top.
set -euo pipefail
cd "$(dirname "$0")/.."
workload=${1:-create}; duration=${2:-10s}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; exit 1; }
rport=$(port); gport=$(port); pport=$(port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >/dev/null &
go build -tags pprof -o "$dir/mockgateway" ./mockgateway
wait_port "$rport"
PPROF_ADDR="127.0.0.1:$pport" GATEWAY_ADDR="127.0.0.1:$gport" REDIS_URL="redis://127.0.0.1:$rport/0" \
  ADMIN_TOKEN=adm_bench_0123456789abcdefghij STRIPE_ADDR= NOTIFY_SCHEDULE=0s \
  DEMO_NOTIFY_URL="http://127.0.0.1:$gport/healthz" "$dir/mockgateway" 2>"$dir/gateway.log" &
wait_port "$gport"
pid=$(curl -sf "http://127.0.0.1:$gport/v1/payments" -H 'Authorization: Bearer sk_test_demo' \
  -d '{"out_trade_no":"prof-get","amount":1999,"method":"alipay","subject":"Get"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')
export BENCH_WRK_DIR="$PWD/bench/wrk" BENCH_PAYMENT="$pid" BENCH_NAME="$workload" BENCH_RUN="prof-$RANDOM"
script=create.lua; [ "$workload" = get ] && script=get.lua
[ "$workload" = create-idempotent ] && export BENCH_IDEMPOTENCY=1
secs=${duration%s}
curl -sf "http://127.0.0.1:$pport/debug/pprof/profile?seconds=$((secs - 1))" -o "gateway-$workload.pprof" &
wrk -t2 -c32 -d"$duration" -s "bench/wrk/$script" "http://127.0.0.1:$gport" | grep RESULT
wait %3 2>/dev/null || sleep 2
go tool pprof -top -nodecount=40 "$dir/mockgateway" "gateway-$workload.pprof" 2>/dev/null | head -50
