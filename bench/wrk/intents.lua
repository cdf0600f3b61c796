-- POST /v1/payment_intents on stripe-mock (it keeps no state).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer sk_test_123"
wrk.body = "amount=1999&currency=usd&payment_method_types[]=card&description=Load"
wrk.path = "/v1/payment_intents"
