-- GET /v1/payments/{BENCH_PAYMENT} on the gateway.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "sk_test_demo")
wrk.path = "/v1/payments/" .. (os.getenv("BENCH_PAYMENT") or "missing")
