package isolate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// limiter enforces the worker memory limit with what the OS offers. The
// RSS watchdog (proc.watchdog) runs in every case.
type limiter interface {
	// apply puts the limit on a started worker.
	apply(pid int) error
	// oomKilled reports whether the OS killed pid for memory.
	oomKilled(pid int) bool
	// release drops what apply made, once pid has exited.
	release(pid int)
	// describe names the mechanism, for logs and docs.
	describe() string
	// close drops what the limiter made, once every worker has exited.
	close()
}

// newLimiter picks cgroup v2 when the server may create child cgroups of
// its own (a delegated subtree), else an address-space rlimit.
func newLimiter(limit, addressSpace int64) limiter {
	if cg, err := newCgroupLimiter(limit); err == nil {
		return cg
	}
	if addressSpace == 0 {
		addressSpace = limit + 2<<30
	}
	return rlimitLimiter{as: addressSpace}
}

// rlimitLimiter caps a worker's address space. A Go process reserves about
// a gigabyte of address space it never touches, so the cap sits 2 GiB above
// the limit: it stops a single huge allocation at once, while the RSS
// watchdog and the worker's Go memory limit enforce the limit itself.
type rlimitLimiter struct{ as int64 }

func (r rlimitLimiter) apply(pid int) error {
	if r.as < 0 {
		return nil
	}
	return unix.Prlimit(pid, unix.RLIMIT_AS, &unix.Rlimit{Cur: uint64(r.as), Max: uint64(r.as)}, nil)
}

func (rlimitLimiter) oomKilled(int) bool { return false }
func (rlimitLimiter) release(int)        {}
func (rlimitLimiter) close()             {}
func (r rlimitLimiter) describe() string {
	if r.as < 0 {
		return "RSS watchdog (kills a worker over the limit) + Go memory limit in the worker"
	}
	return fmt.Sprintf("RSS watchdog (kills a worker over the limit) + Go memory limit in the worker + RLIMIT_AS backstop (%s of address space)", sizeText(r.as))
}

// cgroupLimiter puts each worker in a cgroup v2 child with memory.max set
// to the limit (and no swap), so the kernel's OOM killer stops it.
type cgroupLimiter struct {
	limit int64
	dir   string // the parent of the workers' cgroups
}

func newCgroupLimiter(limit int64) (*cgroupLimiter, error) {
	ctrl, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers")
	if err != nil || !bytes.Contains(ctrl, []byte("memory")) {
		return nil, errors.New("no cgroup v2 memory controller")
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	var rel string
	sc := bufio.NewScanner(bytes.NewReader(self))
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "0::"); ok {
			rel = p
		}
	}
	base := filepath.Join("/sys/fs/cgroup", rel)
	if err := enableMemory(base); err != nil {
		return nil, err
	}
	dir := filepath.Join(base, "synapse-js-workers-"+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return nil, err
	}
	// The workers' cgroups need the memory controller enabled below dir.
	if err := os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+memory"), 0); err != nil {
		_ = os.Remove(dir)
		return nil, err
	}
	probe := filepath.Join(dir, "probe")
	if err := os.Mkdir(probe, 0o755); err != nil {
		_ = os.Remove(dir)
		return nil, err
	}
	defer os.Remove(probe)
	if err := os.WriteFile(filepath.Join(probe, "memory.max"), []byte("max"), 0); err != nil {
		_ = os.Remove(dir)
		return nil, err
	}
	return &cgroupLimiter{limit: limit, dir: dir}, nil
}

// enableMemory turns the memory controller on for base's children. cgroup
// v2 allows that only in a cgroup with no processes of its own, so when the
// kernel refuses (EBUSY) the server first moves itself into a leaf of base
// ("server"), as systemd's delegation guide describes.
func enableMemory(base string) error {
	ctl := filepath.Join(base, "cgroup.subtree_control")
	if err := os.WriteFile(ctl, []byte("+memory"), 0); err == nil {
		return nil
	} else if !errors.Is(err, unix.EBUSY) {
		return err
	}
	leaf := filepath.Join(base, "server")
	if err := os.Mkdir(leaf, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
		return err
	}
	return os.WriteFile(ctl, []byte("+memory"), 0)
}

func (c *cgroupLimiter) path(pid int) string { return filepath.Join(c.dir, "w"+strconv.Itoa(pid)) }

func (c *cgroupLimiter) apply(pid int) error {
	p := c.path(pid)
	if err := os.Mkdir(p, 0o755); err != nil {
		return fmt.Errorf("cgroup: %w", err)
	}
	if err := os.WriteFile(filepath.Join(p, "memory.max"), []byte(strconv.FormatInt(c.limit, 10)), 0); err != nil {
		return fmt.Errorf("cgroup memory.max: %w", err)
	}
	_ = os.WriteFile(filepath.Join(p, "memory.swap.max"), []byte("0"), 0)
	if err := os.WriteFile(filepath.Join(p, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		return fmt.Errorf("cgroup.procs: %w", err)
	}
	return nil
}

func (c *cgroupLimiter) oomKilled(pid int) bool {
	b, err := os.ReadFile(filepath.Join(c.path(pid), "memory.events"))
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if n, ok := strings.CutPrefix(l, "oom_kill "); ok && n != "0" {
			return true
		}
	}
	return false
}

func (c *cgroupLimiter) release(pid int) { _ = os.Remove(c.path(pid)) }

func (c *cgroupLimiter) close() { _ = os.Remove(c.dir) }

func (c *cgroupLimiter) describe() string {
	return "cgroup v2 memory.max per worker (" + c.dir + ") + RSS watchdog"
}
