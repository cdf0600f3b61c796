#!/usr/bin/env bash
# make bench, notifications: bench/notify against a gateway binary on its
# own redis-server (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
rport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >/dev/null &
go build -o "$dir/mockgateway" ./mockgateway
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break; sleep 0.05; done
go run ./bench/notify -gateway "$dir/mockgateway" -redis "redis://127.0.0.1:$rport/0" -events "${BENCH_EVENTS:-5000}"
