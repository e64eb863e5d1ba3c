//go:build unix

package main

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used (user and system),
// for benchmarks to say how busy the machine's cores were.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
