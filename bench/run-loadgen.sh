#!/usr/bin/env bash
# make bench, part two: a gateway binary on a real redis-server, driven by
# bench/loadgen for LOADGEN_DURATION per phase.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }
rport=$(port); gport=$(port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >/dev/null &
go build -o "$dir/mockgateway" ./mockgateway
go build -o "$dir/loadgen" ./bench/loadgen
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break; sleep 0.1; done
GATEWAY_ADDR="127.0.0.1:$gport" REDIS_URL="redis://127.0.0.1:$rport/0" ADMIN_TOKEN=adm_bench_loadgen_0123456789 NOTIFY_SCHEDULE=0s \
  DEMO_NOTIFY_URL="http://127.0.0.1:$gport/healthz" \
   "$dir/mockgateway" 2>"$dir/gateway.log" &
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$gport") 2>/dev/null && break; sleep 0.1; done
"$dir/loadgen" -url "http://127.0.0.1:$gport" -duration "${LOADGEN_DURATION:-5s}" -concurrency "${LOADGEN_CONCURRENCY:-16}"
