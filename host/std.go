package host

import (
	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/bindings/auth"
	"github.com/synapsejs/synapse-js/bindings/http"
	"github.com/synapsejs/synapse-js/bindings/log"
	"github.com/synapsejs/synapse-js/bindings/records"
)

// StdOptions fills opts with the standard script environment: the
// synapse/http, synapse/auth, synapse/log and synapse/records modules and
// the console global.
// Commands and the server start from it; tests of the engine alone may not.
// Modules and an InitRuntime already in opts are kept (theirs run after).
func StdOptions(opts Options) Options {
	std := []bindings.Module{http.New(), auth.New(), log.Module{}, records.New()}
	opts.Modules = append(std, opts.Modules...)
	next := opts.InitRuntime
	opts.InitRuntime = func(vu bindings.VU) error {
		if err := log.InstallConsole(vu); err != nil {
			return err
		}
		if next != nil {
			return next(vu)
		}
		return nil
	}
	return opts
}
