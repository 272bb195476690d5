// Package timearg reads the points in time a user gives synapse-js: the
// --since and --until of run, sync and check, and the since and until of a
// connector test's request, so that all of them accept the same forms.
package timearg

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Parse reads a point in time as epoch ms: RFC 3339, a date or a
// date-time without zone (UTC), epoch milliseconds, "now", or an age such
// as 30d, 12h or 90m (that long before now).
func Parse(s string, now time.Time) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty time")
	}
	if s == "now" {
		return now.UnixMilli(), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%q: negative epoch ms", s)
		}
		return n, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	if strings.HasSuffix(s, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour).UnixMilli(), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d).UnixMilli(), nil
	}
	return 0, fmt.Errorf("%q: want RFC 3339 (2024-01-02T15:04:05Z), a date (2024-01-02), epoch ms, now, or an age (30d, 12h)", s)
}
