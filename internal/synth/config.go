package synth

import (
	"fmt"
	"time"
)

// Scale names a preset size.
type Scale string

// The presets. Persons is the number of people in truth_persons.csv.
const (
	ScaleDemo     Scale = "demo"     // 6,000: one county hub's known world
	ScaleCounty   Scale = "county"   // 100,000
	ScaleRegion   Scale = "region"   // 1,000,000
	ScaleNational Scale = "national" // 10,000,000
)

// Scales lists the presets in increasing size.
var Scales = []Scale{ScaleDemo, ScaleCounty, ScaleRegion, ScaleNational}

// Persons returns the number of persons of a preset, or 0 for an unknown
// name.
func (s Scale) Persons() int {
	switch s {
	case ScaleDemo:
		return 6_000
	case ScaleCounty:
		return 100_000
	case ScaleRegion:
		return 1_000_000
	case ScaleNational:
		return 10_000_000
	}
	return 0
}

// Limits on Config.Persons.
const (
	MinPersons = 100
	// MaxPersons is set by the identifier spaces: UPNs are allocated 64 per
	// block of 1,000 persons within 1,000,000 establishment-and-serial
	// combinations per LA and year (see FORMAT.md).
	MaxPersons = 15_000_000
)

// DefaultEnd is the end of the default casework period: the "today" of the
// synthetic world.
var DefaultEnd = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// Config says what to generate. The zero Config, after Normalize, is the
// demo scale with seed 0 over the three years to DefaultEnd.
type Config struct {
	// Scale is a preset size: "demo", "county", "region" or "national".
	// Empty means demo.
	Scale Scale
	// Persons, when positive, sets the number of persons directly and
	// overrides Scale.
	Persons int
	// Seed selects the world. The same Config gives byte-identical files.
	Seed uint64
	// Start and End bound the casework history (referrals, missing
	// episodes, signals …). End is also the date ages, "is a child" and
	// "active" are stated at. Zero values mean the three years ending
	// DefaultEnd; a zero Start alone means three years before End. Both are
	// truncated to whole days in UTC.
	Start, End time.Time
	// Workers is how many goroutines generate blocks; 0 means GOMAXPROCS.
	// It changes speed, never the output.
	Workers int

	// batch is how many blocks one worker generates per job; 0 means 4.
	// Like Workers it changes nothing in the output (tests prove it).
	batch int
}

// Normalize fills in defaults and checks the configuration.
func (c Config) Normalize() (Config, error) {
	if c.Scale == "" {
		c.Scale = ScaleDemo
	}
	if c.Persons <= 0 {
		n := c.Scale.Persons()
		if n == 0 {
			return c, fmt.Errorf("unknown scale %q: use demo, county, region or national", c.Scale)
		}
		c.Persons = n
	}
	if c.Persons < MinPersons || c.Persons > MaxPersons {
		return c, fmt.Errorf("persons must be between %d and %d, not %d", MinPersons, MaxPersons, c.Persons)
	}
	if c.End.IsZero() {
		c.End = DefaultEnd
	}
	c.End = c.End.UTC().Truncate(24 * time.Hour)
	if c.Start.IsZero() {
		c.Start = c.End.AddDate(-3, 0, 0)
	}
	c.Start = c.Start.UTC().Truncate(24 * time.Hour)
	if !c.Start.Before(c.End) {
		return c, fmt.Errorf("start %s must be before end %s", c.Start.Format(time.DateOnly), c.End.Format(time.DateOnly))
	}
	if c.End.Sub(c.Start) < 180*24*time.Hour {
		return c, fmt.Errorf("the period from %s to %s is too short: give at least 180 days", c.Start.Format(time.DateOnly), c.End.Format(time.DateOnly))
	}
	if c.Start.Year() < 1990 || c.End.Year() > 2090 {
		return c, fmt.Errorf("the period must lie between 1990 and 2090")
	}
	if c.Workers < 0 {
		return c, fmt.Errorf("workers must not be negative")
	}
	if c.batch <= 0 {
		c.batch = 4
	}
	return c, nil
}

// DatasetID is the value of the dataset column of every row written for c
// (after Normalize): "synth-<seed>-<persons>", which marks each row
// synthetic and names the world it came from.
func (c Config) DatasetID() string {
	return fmt.Sprintf("synth-%d-%d", c.Seed, c.Persons)
}
