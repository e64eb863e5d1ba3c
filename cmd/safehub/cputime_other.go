//go:build !unix

package main

import "time"

// processCPU is unknown here: benchmarks report no CPU use.
func processCPU() time.Duration { return 0 }
