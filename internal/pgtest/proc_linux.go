package pgtest

import "syscall"

// procAttr runs a child as cred (nil: as this process) in its own process
// group, sent sig when the thread that started it exits: with the
// thread locked for the child's life, when this process dies.
func procAttr(cred *syscall.Credential, sig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: sig, Setpgid: true}
}
