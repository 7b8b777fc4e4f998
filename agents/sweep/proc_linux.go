package sweep

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child when the sweep process dies, even by
// SIGKILL, which no handler in the sweep can catch.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
