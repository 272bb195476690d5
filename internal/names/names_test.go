package names

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a", "pipedrive", "my-crm_2", "0abc", strings.Repeat("a", 63)} {
		if !Valid(ok) {
			t.Errorf("%q should be valid", ok)
		}
	}
	for _, bad := range []string{"", "-a", "_a", "A", "a.b", "a/b", "..", "a b", "é", strings.Repeat("a", 64)} {
		if Valid(bad) {
			t.Errorf("%q should be invalid", bad)
		}
	}
}
