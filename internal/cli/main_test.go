package cli

import (
	"os"
	"testing"

	"github.com/synapsejs/synapse-js/internal/pgtest"
)

// TestMain gives the store tests a PostgreSQL when this machine has one.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
