//go:build !linux

package pgtest

import "os/exec"

// dieWithParent does nothing here: the test cluster is made on Linux only.
func dieWithParent(*exec.Cmd) {}
