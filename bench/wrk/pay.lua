-- POST /pay on the baseline server: a unique out_trade_no per request.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  local body = string.format('{"out_trade_no":"%s","amount":1999,"method":"alipay","subject":"Load"}', next_id())
  return wrk.format(nil, "/pay", nil, body)
end
