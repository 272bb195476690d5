package jsjson

import "testing"

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "-12": -12, "1700000000000": 1700000000000, "9223372036854775807": 9223372036854775807} {
		if got, ok := ParseInt([]byte(in)); !ok || got != want {
			t.Errorf("ParseInt(%s) = %d, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "-", "1.5", "1e3", "x", "99999999999999999999"} {
		if _, ok := ParseInt([]byte(bad)); ok {
			t.Errorf("ParseInt(%q) ok", bad)
		}
	}
}
