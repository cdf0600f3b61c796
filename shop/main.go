// Command shop is the PaySandbox sandbox shop: a server-rendered Gin app that
// uses the mock gateway the way a careful real shop would (docs/shop.md).
// Configuration comes from the environment (docs/shop.md, "Configuration"), with flags for the
// common settings; see `go run ./shop -h`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/paysandbox/paysandbox/shared/envconfig"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := loadConfig(os.Args[1:], envconfig.New())
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("shop stopped", "err", err)
		os.Exit(1)
	}
}
