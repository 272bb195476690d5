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

// TestSkipValueStrings: strings end at the first quote not escaped by an
// odd run of backslashes, also inside containers.
func TestSkipValueStrings(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		src  string
		want int // index just past the value; -1 for an error
	}{
		{`"abc",1`, 5},
		{`"a\"b",1`, 6},
		{`"a\\",1`, 5},
		{`"a\\\"",1`, 7},
		{`"\\\\"x`, 6},
		{`""`, 2},
		{`"unterminated`, -1},
		{`"a\"`, -1},
		{`{"k":"v\"}","n":[1,"]"]},`, 24},
		{`["\\",{"a":"}"}] `, 16},
	} {
		got, err := SkipValue([]byte(c.src), 0)
		if c.want < 0 {
			if err == nil {
				t.Errorf("SkipValue(%s) = %d, want an error", c.src, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("SkipValue(%s) = %d, %v; want %d", c.src, got, err, c.want)
		}
	}
}
