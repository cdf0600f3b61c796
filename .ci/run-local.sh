#!/usr/bin/env bash
# `make run`: the gateway first (embedded Redis unless REDIS_URL is set), then
# the shop pointing at it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${GATEWAY_ADDR:=:8081}" "${SHOP_ADDR:=:8080}"
# The Stripe subset's own listener (stripe-mock's port), on loopback only.
: "${STRIPE_ADDR=127.0.0.1:12111}"
export STRIPE_ADDR
gw_port=${GATEWAY_ADDR##*:}
shop_port=${SHOP_ADDR##*:}
export GATEWAY_ADDR SHOP_ADDR
export PUBLIC_URL="${PUBLIC_URL:-http://localhost:${gw_port}}"
export GATEWAY_URL="${GATEWAY_URL:-http://localhost:${gw_port}}"
export SHOP_PUBLIC_URL="${SHOP_PUBLIC_URL:-http://localhost:${shop_port}}"
export DEMO_NOTIFY_URL="${DEMO_NOTIFY_URL:-${SHOP_PUBLIC_URL}/webhooks/gateway}"
export ADMIN_TOKEN="${ADMIN_TOKEN:-adm_local_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

./bin/mockgateway & pids+=($!)
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/${gw_port}") 2>/dev/null && break
  sleep 0.1
done
./bin/shop & pids+=($!)
sleep 1
cat <<MSG

  PaySandbox is running.
    shop:     ${SHOP_PUBLIC_URL}
              customers alice@example.com / alice-sandbox, bob@example.com / bob-sandbox
              back office support@example.com / support-sandbox
    gateway:  ${PUBLIC_URL}   API key sk_test_demo, admin token ${ADMIN_TOKEN}
              test card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined
              Alipay keys of m_demo: curl -H "Authorization: Bearer ${ADMIN_TOKEN}" ${PUBLIC_URL}/admin/api/merchants/m_demo
    stripe:   ${STRIPE_ADDR:-disabled} (/v1, for Stripe SDKs; keys under "stripe" in the admin API)
  Ctrl-C stops both.

MSG
wait -n "${pids[@]}"
