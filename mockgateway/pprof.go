//go:build pprof

package main

// Built with -tags pprof (bench/profile.sh), the gateway serves
// net/http/pprof on PPROF_ADDR for profiling under load. Release builds do
// not contain it.

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof", "err", err)
		}
	}()
}
