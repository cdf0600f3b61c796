# PaySandbox image: both binaries, mockgateway and shop, in one image.
#
# One image rather than one per binary: they share one module download and
# one compile of the shared packages, docker-compose.yml runs the same image
# twice with a different command, and someone pulling or building the sandbox
# handles one thing. Each binary alone would save only the other's ~20 MB.
#
#   docker build -t paysandbox .
#   docker run --rm -p 127.0.0.1:8081:8081 -e ADMIN_TOKEN=$(openssl rand -hex 16) paysandbox mockgateway
#
# The Go version follows go.mod's `go` line (deploy/dockerfile_test.go checks).
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Built by `make build`, exactly as on a developer's machine (the test above
# checks the Makefile and this file agree). Static binaries: SQLite is the
# pure-Go driver, so nothing needs cgo and the final stage needs no libc.
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
RUN make build BIN=/out

# Alpine rather than distroless: its busybox wget runs the compose health
# checks against /readyz, and its CA bundle lets the gateway deliver
# notifications to https notify URLs.
FROM alpine:3.22
RUN addgroup -S -g 10001 paysandbox \
 && adduser -S -D -H -u 10001 -G paysandbox -h /data paysandbox \
 && mkdir -p /data && chown paysandbox:paysandbox /data
COPY --from=build /out/mockgateway /out/shop /usr/local/bin/
# A non-root user; /data holds the shop's SQLite file (mount a volume there).
USER paysandbox:paysandbox
WORKDIR /data
# Inside a container the binaries must listen on every interface to be
# published; they warn about the demo secrets they then expose.
ENV GATEWAY_ADDR=:8081 SHOP_ADDR=:8080 SHOP_DB=/data/shop.db
EXPOSE 8080 8081
CMD ["mockgateway"]
