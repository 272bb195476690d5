// Package pgtest gives tests a real PostgreSQL: the one SYNAPSE_JS_TEST_POSTGRES
// names (CI starts one), or a throwaway cluster started from the PostgreSQL
// binaries on this machine. Tests that need one skip, saying so, when
// neither is there.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the PostgreSQL server tests use: a URL whose user may create
// databases.
const Env = "SYNAPSE_JS_TEST_POSTGRES"

// BinEnv optionally names the directory holding initdb and postgres.
const BinEnv = "SYNAPSE_JS_PG_BIN"

// RequiredEnv, when set (CI sets it), turns the skips into failures, so a
// missing PostgreSQL cannot pass unnoticed.
const RequiredEnv = "SYNAPSE_JS_TEST_POSTGRES_REQUIRED"

// skip skips t, or fails it where PostgreSQL is required.
func skip(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(RequiredEnv) != "" {
		t.Fatal(msg + " (" + RequiredEnv + " is set)")
	}
	t.Skip(msg)
}

const skipHint = "set " + Env + "=postgres://USER@HOST:PORT/DB?sslmode=disable, or install PostgreSQL (initdb and postgres on PATH or under /usr/lib/postgresql/*/bin); bash .ci/run does both"

// Main runs a package's tests with a PostgreSQL: when Env is not set and
// the binaries are here, it starts a throwaway cluster for the run, sets
// Env to it and stops it afterwards. Use it as os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	if os.Getenv(Env) != "" {
		return m.Run()
	}
	if _, err := BinDir(); err != nil {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	c, err := Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: starting a throwaway PostgreSQL failed (the tests that need it will skip): %v\n", err)
		return m.Run()
	}
	defer c.Close()
	os.Setenv(Env, c.URL())
	return m.Run()
}

// DB creates an empty database for the test on the server Env names and
// returns its URL; the database is dropped when the test ends. The test
// skips when Env is not set.
func DB(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		skip(t, "no PostgreSQL for this test: "+skipHint)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", Env, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "synapse_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", Env, err)
	}
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable%s", cfg.User, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), name, password(cfg.Password))
}

func password(p string) string {
	if p == "" {
		return ""
	}
	return "&password=" + p
}

// BinDir finds the directory of initdb and postgres: BinEnv, PATH, or the
// newest /usr/lib/postgresql/N/bin (where Debian's packages put them).
func BinDir() (string, error) {
	ok := func(dir string) bool {
		for _, b := range []string{"initdb", "postgres"} {
			if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if d := os.Getenv(BinEnv); d != "" {
		if ok(d) {
			return d, nil
		}
		return "", fmt.Errorf("%s=%s holds no initdb and postgres", BinEnv, d)
	}
	if p, err := exec.LookPath("initdb"); err == nil && ok(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if ok(d) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL binaries (initdb, postgres) found")
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Cluster is a throwaway PostgreSQL server in a temp directory, on a
// loopback port, run as an unprivileged user. Stop and Start keep its data
// (to test an outage); Close removes it.
type Cluster struct {
	bin, dir string
	port     int
	cred     *syscall.Credential
	proc     *os.Process
	exited   chan struct{}
}

// NewCluster starts a cluster for one test (skipping when there are no
// binaries) and closes it when the test ends.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	if _, err := BinDir(); err != nil {
		skip(t, "no PostgreSQL binaries for this test: "+skipHint)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// Start creates and starts a cluster.
func Start(ctx context.Context) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "synapse-js-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, dir: dir}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		c.cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		if err := os.Chown(dir, 65534, 65534); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if c.port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", c.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = procAttr(c.cred, syscall.SIGKILL)
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	if err := c.Restart(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// URL is the cluster's postgres database, user postgres.
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Restart starts the stopped server again, on the same port and data,
// and waits until it accepts connections.
func (c *Cluster) Restart(ctx context.Context) error {
	if c.proc != nil {
		return errors.New("pgtest: the cluster is running")
	}
	args := []string{"-D", c.data(), "-p", strconv.Itoa(c.port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB"}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), args...)
	cmd.Dir = c.dir
	// SIGQUIT is PostgreSQL's immediate shutdown: it takes its children
	// with it, so a test process that dies leaves no server behind.
	cmd.SysProcAttr = procAttr(c.cred, syscall.SIGQUIT)
	logf, err := os.Create(filepath.Join(c.dir, "postgres.log"))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	started := make(chan error, 1)
	c.exited = make(chan struct{})
	exited := c.exited
	go func() {
		// Pdeathsig fires when the thread that started the child exits:
		// keep this goroutine on its thread for the child's life.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer logf.Close()
		defer close(exited)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.proc = cmd.Process
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgx.Connect(cctx, c.URL())
		cancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-exited:
			c.proc = nil
			log, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
			return fmt.Errorf("postgres exited at start: %s", strings.TrimSpace(string(log)))
		case <-ctx.Done():
			c.Stop()
			return fmt.Errorf("postgres did not accept connections: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop shuts the server down (fast shutdown: connections are cut) and
// waits for it to exit. The data stays for Restart.
func (c *Cluster) Stop() {
	if c.proc == nil {
		return
	}
	_ = c.proc.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-c.proc.Pid, syscall.SIGKILL)
		<-c.exited
	}
	c.proc = nil
}

// Close stops the server and removes its files.
func (c *Cluster) Close() {
	c.Stop()
	_ = os.RemoveAll(c.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ChildProcAttr is for a test's own subprocesses: it dies with the test
// process where the system allows (Linux), so none is left behind. Start
// the child from a goroutine locked to its thread for the child's life.
func ChildProcAttr() *syscall.SysProcAttr { return procAttr(nil, syscall.SIGKILL) }
