package cli

import "strings"

// painter colours status words on a terminal, and leaves them plain in
// pipes, files and when NO_COLOR is set (https://no-color.org).
type painter struct{ on bool }

// painter returns the painter for stdout.
func (a *App) painter() painter {
	return painter{on: isTerminal(a.Stdout) && a.Getenv("NO_COLOR") == ""}
}

const (
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiReset  = "\x1b[0m"
)

func (p painter) paint(code, s string) string {
	if !p.on {
		return s
	}
	return code + s + ansiReset
}

// status writes a check status (pass, fail, skip) as PASS, FAIL or SKIP.
func (p painter) status(s string) string {
	up := strings.ToUpper(s)
	switch s {
	case "pass":
		return p.paint(ansiGreen, up)
	case "fail":
		return p.paint(ansiRed, up)
	}
	return p.paint(ansiYellow, up)
}

// mark writes a demo step's mark: "ok  " or "FAIL".
func (p painter) mark(ok bool) string {
	if ok {
		return p.paint(ansiGreen, "ok  ")
	}
	return p.paint(ansiRed, "FAIL")
}
