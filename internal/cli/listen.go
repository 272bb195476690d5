package cli

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listenError explains a failed listen on addr, with the usual way out
// when the port is taken.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return &addrInUseError{addr: addr, err: err}
	}
	return fmt.Errorf("listen on %s: %w", addr, err)
}

// addrInUseError is a taken --addr, said once and with the way out (the
// listener's own error repeats the address twice more).
type addrInUseError struct {
	addr string
	err  error
}

// Error implements error.
func (e *addrInUseError) Error() string {
	return e.addr + " is already in use (another synapse-js or sandbox?); pick another port, or --addr 127.0.0.1:0 for a free one"
}

// Unwrap returns the listener's error, for errors.Is.
func (e *addrInUseError) Unwrap() error { return e.err }

// loopbackOnly refuses an --addr that would listen beyond this machine,
// unless public is set: a sandbox accepts a well-known token.
func loopbackOnly(addr string, public bool) error {
	if public {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError("--addr %q: want host:port, e.g. 127.0.0.1:8090", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usageError("--addr %s would serve beyond this machine; a sandbox serves on loopback (127.0.0.1) unless --public is given", addr)
}
