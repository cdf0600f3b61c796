# PaySandbox — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN ?= bin
# go test timeout for the whole run; CI allows 90 minutes in all.
TEST_TIMEOUT ?= 30m

.PHONY: run build test lint deps-test bench clean fuzz

## run: start the gateway (embedded Redis unless REDIS_URL is set) and the shop,
## on loopback only (127.0.0.1:8081, 127.0.0.1:8080; GATEWAY_PORT, SHOP_PORT move them)
run: build
	@BIN=$(BIN) bash .ci/run-local.sh

## build: compile both binaries into ./bin
build:
	$(GO) build -o $(BIN)/mockgateway ./mockgateway
	$(GO) build -o $(BIN)/shop ./shop

## test: install what the tests need, lint, run every test with the race detector.
## -count=1: the shop's tests run a gateway binary they build themselves, a dependency
## Go's test cache cannot see, so a cached pass could hide a gateway change.
test: deps-test lint
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

## deps-test: install redis-server (and chromium for the browser tests) when missing
deps-test:
	@bash .ci/ensure-deps.sh

## lint: gofmt, go vet, staticcheck (pinned as a Go tool dependency)
lint:
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## bench: the side-by-side of docs/benchmarks.md — the gateway next to a Gin +
## one-Redis-round-trip baseline and stripe-mock under wrk (bench/run-compare.sh),
## notifications next to a plain Go client (bench/notify), then the Go benchmarks
## and the load generator; every number is a ratio to a baseline of the same run.
## BENCH_ROUNDS, BENCH_DURATION, BENCHTIME and LOADGEN_DURATION shorten it.
bench:
	@PAYSANDBOX_NEEDS_WRK=1 bash .ci/ensure-deps.sh
	bash bench/run-compare.sh
	bash bench/run-notify.sh
	$(GO) test -run '^$$' -bench . -benchtime $${BENCHTIME:-3000x} ./bench/
	$(GO) test -run '^$$' -bench 'BenchmarkIdleTick|BenchmarkDispatch' -benchtime 1000x ./mockgateway/internal/dispatcher/
	$(GO) test -run '^$$' -bench BenchmarkConsole100k -benchtime 50x ./mockgateway/internal/console/
	bash bench/run-loadgen.sh

## fuzz: run the scenario parser and canonical JSON fuzzers for a while each (FUZZTIME=1m)
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseScenario -fuzztime $${FUZZTIME:-1m} ./mockgateway/internal/gateway/
	$(GO) test -run '^$$' -fuzz FuzzCanonFast -fuzztime $${FUZZTIME:-1m} ./mockgateway/internal/native/

clean:
	rm -rf $(BIN)
