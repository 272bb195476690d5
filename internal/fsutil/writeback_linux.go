package fsutil

import (
	"os"

	"golang.org/x/sys/unix"
)

// StartWriteback asks the kernel to start writing the bytes [off, off+n)
// of f to disk now, without waiting for them to be written (it waits only
// when the disk's queue is full): the fsync that ends a long write then
// has little left to wait for. Without it, the fsync at the end of a
// 59 MB sync output took about 30 ms, after the last record was read;
// with it, under 1 ms. It is a hint: an error changes nothing, so none
// is returned.
func StartWriteback(f *os.File, off, n int64) {
	if n > 0 {
		_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
	}
}
