package app

import (
	"time"
	_ "time/tzdata" // Europe/London must load on machines without zoneinfo
)

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("load time zone " + name + ": " + err.Error())
	}
	return loc
}
