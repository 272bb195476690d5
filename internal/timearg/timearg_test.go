package timearg

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]int64{
		"0":                         0,
		"1700000000000":             1700000000000,
		"2024-01-01":                1704067200000,
		"2024-01-01T00:00:00Z":      1704067200000,
		"2024-01-01T01:00:00+01:00": 1704067200000,
		"2024-01-01T00:00:00.5Z":    1704067200500,
		"2024-01-01T00:00:00":       1704067200000,
		"now":                       now.UnixMilli(),
		"30d":                       now.Add(-30 * 24 * time.Hour).UnixMilli(),
		"90m":                       now.Add(-90 * time.Minute).UnixMilli(),
	} {
		got, err := Parse(in, now)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-5", "soon", "2024-13-01", "-3d"} {
		if _, err := Parse(bad, now); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}
