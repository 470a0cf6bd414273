//go:build !linux

package cli

// hardenProcess has nothing to do where there is no prctl: see harden_linux.go.
func hardenProcess() {}
