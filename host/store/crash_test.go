package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestKillDuringUploads kills (SIGKILL) a process in the middle of a stream
// of uploads and checks the store it leaves: readable, every version with
// metadata intact, the current one among them.
func TestKillDuringUploads(t *testing.T) {
	if dir := os.Getenv("STORE_CRASH_DIR"); dir != "" {
		s, err := OpenFile(dir)
		if err != nil {
			os.Exit(3)
		}
		for i := 0; ; i++ {
			name := fmt.Sprintf("c%d", i%3)
			if _, err := s.Put(context.Background(), name, []byte(fmt.Sprintf("source %d %s", i, make([]byte, 4096))), Meta{}); err != nil {
				os.Exit(4)
			}
			if i%7 == 6 {
				_ = s.SetCurrent(context.Background(), name, 1)
			}
		}
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := t.TempDir()
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringUploads$")
		cmd.Env = append(os.Environ(), "STORE_CRASH_DIR="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+round*70) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()

		s, err := OpenFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		names, err := s.List(context.Background())
		if err != nil || len(names) == 0 {
			t.Fatalf("round %d: list %v %v", round, names, err)
		}
		total := 0
		for _, n := range names {
			vs, err := s.Versions(context.Background(), n)
			if err != nil {
				t.Fatalf("round %d: versions of %s: %v", round, n, err)
			}
			for _, v := range vs {
				if _, _, err := s.Get(context.Background(), n, v.Version); err != nil {
					t.Fatalf("round %d: a version with metadata is unreadable: %v", round, err)
				}
			}
			total += len(vs)
			cur, err := s.Current(context.Background(), n)
			if err != nil && !errors.Is(err, ErrNoCurrent) {
				t.Fatalf("round %d: current of %s: %v", round, n, err)
			}
			if err == nil {
				if _, _, err := s.Get(context.Background(), n, cur.Version); err != nil {
					t.Fatalf("round %d: current version unreadable: %v", round, err)
				}
			}
		}
		t.Logf("round %d: %d versions intact", round, total)
	}
}
