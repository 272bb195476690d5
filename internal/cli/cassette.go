package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/cassette"
)

// cassetteFlags are run's --record and --replay.
type cassetteFlags struct {
	record string
	replay string
}

func (cf *cassetteFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&cf.record, "record", "", "save every HTTP request and answer of the call, and the clock and Math.random it saw, to this cassette (secrets replaced)")
	fl.StringVar(&cf.replay, "replay", "", "answer the call's HTTP, clock and Math.random from this cassette instead of the network")
	_ = cmd.MarkFlagFilename("record", "json")
	_ = cmd.MarkFlagFilename("replay", "json")
}

// start returns the session the flags ask for, or nil for neither.
func (cf *cassetteFlags) start() (*cassette.Session, error) {
	switch {
	case cf.record != "" && cf.replay != "":
		return nil, usageError("--record and --replay exclude each other")
	case cf.record != "":
		s := cassette.NewSession(nil)
		s.Start(cassette.Record, nil)
		return s, nil
	case cf.replay != "":
		c, err := cassette.Load(cf.replay)
		if err != nil {
			return nil, usageError("--replay: %v", err)
		}
		s := cassette.NewSession(nil)
		s.Start(cassette.Replay, c)
		return s, nil
	}
	return nil, nil
}

// finish saves a recording.
func (cf *cassetteFlags) finish(s *cassette.Session, stderr io.Writer) error {
	if s == nil || cf.record == "" {
		return nil
	}
	c := s.Finish()
	if err := c.Save(cf.record); err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	fmt.Fprintf(stderr, "synapse-js: recorded %d request(s) to %s\n", len(c.Interactions), cf.record)
	return nil
}

// engineWith is newEngine with the session's transport, clock and random
// source (a plain engine when s is nil).
func (a *App) engineWith(f engineFlags, s *cassette.Session) *host.Engine {
	if s == nil {
		return a.newEngine(f)
	}
	return host.New(host.StdOptions(host.Options{
		Timeout:     f.timeout,
		Logger:      a.log,
		HTTP:        s.Config(),
		InitRuntime: s.Install,
	}))
}
