package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/synapsejs/synapse-js/host"
)

// engineFlags are the engine settings commands that run scripts share.
type engineFlags struct {
	timeout time.Duration
}

func (a *App) newEngine(f engineFlags) *host.Engine {
	return host.New(host.StdOptions(host.Options{
		Timeout: f.timeout,
		Logger:  a.log,
	}))
}

// loadFile reads and loads a connector file.
func (a *App) loadFile(ctx context.Context, e *host.Engine, path string) (*host.Connector, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read connector: %w", err)
	}
	return e.Load(ctx, path, src)
}
