#!/usr/bin/env bash
# make bench, notifications: bench/notify against a gateway binary on its
# own redis-server (docs/benchmarks.md). BENCH_BEFORE=<commit> first
# measures the gateway of that commit the same way, for before/after.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
rport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >/dev/null &
go build -o "$dir/mockgateway" ./mockgateway
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break; sleep 0.05; done
go build -o "$dir/notify" ./bench/notify
if [ -n "${BENCH_BEFORE:-}" ]; then
  mkdir "$dir/before"
  git archive "$BENCH_BEFORE" | tar -x -C "$dir/before"
  (cd "$dir/before" && go build -o "$dir/mockgateway-before" ./mockgateway)
  echo "## before: $BENCH_BEFORE"
  "$dir/notify" -gateway "$dir/mockgateway-before" -redis "redis://127.0.0.1:$rport/1" -events "${BENCH_EVENTS:-5000}"
  echo "## after: $(git rev-parse --short HEAD)"
fi
"$dir/notify" -gateway "$dir/mockgateway" -redis "redis://127.0.0.1:$rport/0" -events "${BENCH_EVENTS:-5000}"
