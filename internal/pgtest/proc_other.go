//go:build unix && !linux

package pgtest

import "syscall"

// procAttr runs a child as cred in its own process group. Without
// Linux's parent-death signal, a test process killed outright may leave
// its children behind; Cleanup stops them otherwise.
func procAttr(cred *syscall.Credential, _ syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: true}
}
