package cli

import (
	"os"
	"testing"

	"github.com/synapsejs/synapse-js/host/isolate"
	"github.com/synapsejs/synapse-js/internal/pgtest"
)

// TestMain lets this test binary serve as serve's worker process (serve
// starts os.Executable() with "worker", which here is the test binary),
// and gives the store tests a PostgreSQL when this machine has one.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		os.Exit(isolate.WorkerMain(os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(pgtest.Main(m))
}
