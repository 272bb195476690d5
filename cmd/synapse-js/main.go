// Command synapse-js writes, tests and serves synapse connectors written in
// JavaScript or TypeScript. See `synapse-js --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/synapsejs/synapse-js/internal/cli"
	"github.com/synapsejs/synapse-js/internal/gctune"
)

func main() {
	gctune.Apply(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.NewApp(), os.Args[1:])
	stop()
	os.Exit(code)
}
