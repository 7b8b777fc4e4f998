//go:build !linux

package sweep

import "os/exec"

// dieWithParent is a no-op where the kernel offers no parent-death signal: a killed
// sweep's runs go on and a rerun reports them busy until they end.
func dieWithParent(*exec.Cmd) {}
