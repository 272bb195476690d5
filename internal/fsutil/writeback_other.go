//go:build !linux

package fsutil

import "os"

// StartWriteback does nothing here: the system has no way to start
// writing a range of a file without waiting for it. See the Linux one.
func StartWriteback(f *os.File, off, n int64) {}
