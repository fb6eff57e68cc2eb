package pgtest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the PostgreSQL run end with the test binary that started it,
// which go test kills when it runs too long.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
