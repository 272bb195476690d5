package testrun

import (
	"encoding/json"
	"testing"
	"time"
)

// TestShortFormTimesAsRunTakesThem: a test's since and until take what
// run's --since and --until take (timearg.Parse), and refuse what they
// refuse.
func TestShortFormTimesAsRunTakesThem(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[any]int64{
		"2024-01-01 00:00:00":    1704067200000,
		"2024-01-01T00:00":       1704067200000,
		json.Number("17000"):     17000,
		"30d":                    now.Add(-30 * 24 * time.Hour).UnixMilli(),
		"2024-01-01T00:00:00.5Z": 1704067200500,
	} {
		got, err := timeArg(in, now)
		if err != nil || got != want {
			t.Errorf("timeArg(%v) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []any{"-5", json.Number("-5"), -5.0, "soon", true} {
		if _, err := timeArg(bad, now); err == nil {
			t.Errorf("timeArg(%v): no error", bad)
		}
	}
}
