package pgstore_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/host/server"
	"github.com/synapsejs/synapse-js/host/store"
	"github.com/synapsejs/synapse-js/internal/pgtest"
)

// Upload on host A to the first call served by host B: p50 and max over
// 100 uploads (b.N rounds of 100). B is polled as fast as it answers.
func BenchmarkUploadToServedOnOtherHost(b *testing.B) {
	url, key := pgtest.DB(b), testKey()
	a, bh := startHost(b, "a", url, key), startHost(b, "b", url, key)
	var lat []time.Duration
	n := 0
	for b.Loop() {
		for range 100 {
			n++
			tag := fmt.Sprintf("t%d", n)
			start := time.Now()
			if _, _, err := upload(a.ts.URL, "bench", connectorSrc(tag)); err != nil {
				b.Fatal(err)
			}
			for {
				if got, _ := readTag(bh.ts.URL, "bench"); got == tag {
					break
				}
				if time.Since(start) > 30*time.Second {
					b.Fatalf("B never served %s", tag)
				}
			}
			lat = append(lat, time.Since(start))
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max_ms")
	b.ReportMetric(float64(len(lat)), "uploads")
}

// Invokes per second of one connector served from the PostgreSQL store
// against the same from a directory store, in the same run, interleaved
// so both see the same machine: the store is not on the call path, so the
// ratio should be about 1.
func BenchmarkInvokesPostgresVsDirectory(b *testing.B) {
	url, key := pgtest.DB(b), testKey()
	pg := startHost(b, "pg", url, key)
	fs, err := store.OpenFile(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	dsrv, err := server.New(server.Options{Store: fs, Engine: host.StdOptions(host.Options{PoolSize: 2, Timeout: 20 * time.Second}), Logger: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := dsrv.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	dts := httptest.NewServer(dsrv.Handler())
	defer func() { dts.Close(); dsrv.Close() }()
	for _, base := range []string{pg.ts.URL, dts.URL} {
		if _, _, err := upload(base, "inv", connectorSrc("x")); err != nil {
			b.Fatal(err)
		}
	}
	const perRound, workers = 400, 4
	round := func(base string) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range perRound / workers {
					if tag, err := readTag(base, "inv"); tag != "x" {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	round(pg.ts.URL) // warm both
	round(dts.URL)
	var tpg, tdir time.Duration
	rounds := 0
	for b.Loop() {
		tdir += round(dts.URL)
		tpg += round(pg.ts.URL)
		rounds++
	}
	calls := float64(rounds * perRound)
	b.ReportMetric(calls/tdir.Seconds(), "dir_invokes/s")
	b.ReportMetric(calls/tpg.Seconds(), "pg_invokes/s")
	b.ReportMetric(tdir.Seconds()/tpg.Seconds(), "pg/dir")
}
