package cli

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/synapsejs/synapse-js/bindings"
	bhttp "github.com/synapsejs/synapse-js/bindings/http"
	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/isolate"
	"github.com/synapsejs/synapse-js/host/server"
)

// isolateFlags are serve's isolation and outbound network settings.
type isolateFlags struct {
	mode         string
	workerMemory string
	workers      int
	grace        time.Duration
	allowNet     []string
	denyNet      []string
}

func (f *isolateFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.mode, "isolate", "process", "where calls run: process (worker processes under a memory limit) or none (in the server's process: trusted code only)")
	fl.StringVar(&f.workerMemory, "worker-memory", "512MiB", "memory limit of each worker process (e.g. 256MiB, 1GiB)")
	fl.IntVar(&f.workers, "workers", 0, "worker processes at most, hence calls running at once across connectors (default 2 x CPUs, at least 4); one connector holds at most half")
	fl.DurationVar(&f.grace, "worker-grace", isolate.DefaultGrace, "how long a worker may stay busy past a call's deadline before it is killed (at most 1s)")
	fl.StringArrayVar(&f.allowNet, "allow-net", nil, "let scripts reach a destination the outbound policy denies: a CIDR, a host, or host:port (repeatable), e.g. --allow-net 127.0.0.1:9000")
	fl.StringArrayVar(&f.denyNet, "deny-net", nil, "deny scripts a destination: a CIDR, a host, or host:port (repeatable)")
}

// loader returns the server's NewLoader for the chosen mode (nil: in
// process).
func (f *isolateFlags) loader() (func(host.Options) (server.Loader, error), error) {
	switch f.mode {
	case "none":
		return nil, nil
	case "process", "":
	default:
		return nil, usageError("--isolate %q: want process or none", f.mode)
	}
	limit, err := parseSize(f.workerMemory)
	if err != nil {
		return nil, usageError("--worker-memory: %v", err)
	}
	if limit < 64<<20 {
		return nil, usageError("--worker-memory %s: want at least 64MiB (a worker needs about 20MiB before any script runs)", f.workerMemory)
	}
	if f.workers < 0 {
		return nil, usageError("--workers cannot be negative")
	}
	if f.grace <= 0 || f.grace > isolate.MaxGrace {
		return nil, usageError("--worker-grace %s: want more than 0 and at most %s", f.grace, isolate.MaxGrace)
	}
	return isolate.ServerLoader(isolate.Options{Workers: f.workers, MemoryLimit: limit, Grace: f.grace}), nil
}

// parseSize reads a byte size: a number with an optional unit (B, KiB,
// MiB, GiB, or K, M, G meaning the same powers of 1024).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a size (want e.g. 512MiB)", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("%q: unknown unit %q (want KiB, MiB or GiB)", s, unit)
	}
	return int64(v * mult), nil
}

// httpConfig is the outbound policy of serve's scripts: private ranges
// denied unless --allow-net opens them, --deny-net added, and the server's
// own listen address always denied.
func (f *isolateFlags) httpConfig(listen net.Addr) (*bindings.HTTPConfig, error) {
	cfg := &bindings.HTTPConfig{DenyPrivate: true, Exceptions: f.allowNet, Deny: f.denyNet, AllowFlag: "--allow-net"}
	if ta, ok := listen.(*net.TCPAddr); ok {
		ip := ta.IP.String()
		if ta.IP.IsUnspecified() {
			ip = ""
		}
		cfg.AlwaysDeny = []string{net.JoinHostPort(ip, strconv.Itoa(ta.Port))}
	}
	if err := bhttp.CheckPolicy(cfg); err != nil {
		return nil, usageError("--allow-net/--deny-net: %v", err)
	}
	return cfg, nil
}
