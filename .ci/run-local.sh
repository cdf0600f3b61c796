#!/usr/bin/env bash
# `make run`: the gateway first (embedded Redis unless REDIS_URL is set), then
# the shop pointing at it. Ctrl-C stops both.
#
# Both listen on loopback only (DESIGN §12): they run with published demo
# secrets. GATEWAY_PORT / SHOP_PORT / STRIPE_PORT move them; GATEWAY_ADDR=:8081
# and SHOP_ADDR=:8080 open them to other machines (each binary then warns
# about the demo secrets it still uses).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BIN:=bin}" "${GATEWAY_PORT:=8081}" "${SHOP_PORT:=8080}" "${STRIPE_PORT:=12111}"
: "${GATEWAY_ADDR:=127.0.0.1:${GATEWAY_PORT}}" "${SHOP_ADDR:=127.0.0.1:${SHOP_PORT}}"
# The Stripe subset's own listener (stripe-mock's port), on loopback only;
# STRIPE_ADDR= (empty) disables it.
: "${STRIPE_ADDR=127.0.0.1:${STRIPE_PORT}}"
export STRIPE_ADDR
gw_port=${GATEWAY_ADDR##*:}
shop_port=${SHOP_ADDR##*:}
# Where this machine reaches the gateway: its own host, or loopback when it
# listens on every interface.
gw_host=${GATEWAY_ADDR%:*}
case "$gw_host" in "" | 0.0.0.0 | "[::]") gw_host=127.0.0.1 ;; esac
export GATEWAY_ADDR SHOP_ADDR
export PUBLIC_URL="${PUBLIC_URL:-http://localhost:${gw_port}}"
export GATEWAY_URL="${GATEWAY_URL:-http://${gw_host}:${gw_port}}"
export SHOP_PUBLIC_URL="${SHOP_PUBLIC_URL:-http://localhost:${shop_port}}"
export DEMO_NOTIFY_URL="${DEMO_NOTIFY_URL:-${SHOP_PUBLIC_URL}/webhooks/gateway}"
export ADMIN_TOKEN="${ADMIN_TOKEN:-adm_local_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$BIN/mockgateway" & pids+=($!)
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/${gw_host}/${gw_port}") 2>/dev/null && break
  sleep 0.1
done
"$BIN/shop" & pids+=($!)
shop_host=${SHOP_ADDR%:*}
case "$shop_host" in "" | 0.0.0.0 | "[::]") shop_host=127.0.0.1 ;; esac
for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/${shop_host}/${shop_port}") 2>/dev/null && break
  sleep 0.1
done
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
