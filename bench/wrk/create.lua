-- POST /v1/payments on the gateway: a unique out_trade_no per request, and
-- a unique Idempotency-Key when BENCH_IDEMPOTENCY is set.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local auth = "Bearer " .. (os.getenv("BENCH_KEY") or "sk_test_demo")
local idem = os.getenv("BENCH_IDEMPOTENCY")
function request()
  local id = next_id()
  local body = string.format('{"out_trade_no":"%s","amount":1999,"method":"alipay","subject":"Load"}', id)
  -- wrk.format replaces wrk.headers when given headers: name them all.
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = auth}
  if idem then
    headers["Idempotency-Key"] = "k-" .. id
  end
  return wrk.format("POST", "/v1/payments", headers, body)
end
