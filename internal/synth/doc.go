// Package synth generates Safehub's synthetic partnership: a realistic,
// deterministic and scalable fake vulnerability hub for Leicester,
// Leicestershire and Rutland, with planted truth to evaluate record linkage
// and network analysis against.
//
// It is pure: it reads no database, no network and no clock, and writes
// only to the Sink it is given. It imports the standard library and ident,
// with which every generated identifier is built and, in tests, checked.
//
// # Use
//
//	sum, err := synth.Generate(ctx, synth.Config{Scale: synth.ScaleDemo, Seed: 42},
//		synth.DirSink("demo-data"), func(done, total int64) { … })
//
// Generate writes the CSV files listed by Files and then manifest.json (the
// Summary as JSON). FORMAT.md, beside this file, documents every file and
// column. MemSink keeps the files in memory (tests, or loading a demo
// straight into a database); Discard throws them away (benchmarks).
//
// # The world
//
// Persons live in households in the towns of LLR (real postcode districts,
// synthetic units; names by heritage to fit the area's diversity); county
// line holders and some runners live in the exporting areas (London, the
// West Midlands, Nottingham, or Leicester itself for local lines). Six
// partner agencies each see a subset of the persons, with the errors real
// extracts have. County lines, organised groups and peer groups involve
// "planted" persons; their casework (referrals, missing episodes, NRM
// referrals, health flags, police operations) and signals (calls,
// sightings, stops, ANPR reads, journeys) are hidden among the background
// casework and signals of everyone else. Files named truth_* hold the
// ground truth a real hub never sees.
//
// Every scale is the same geography: larger scales add people, households
// and networks in proportion (about 7 county lines, 3 organised groups and
// 6 peer groups per 6,000 persons), not places. The demo (6,000 persons)
// looks like one county hub's known world: a few thousand children known to
// services, dozens at high risk, five active county lines and about fifty
// children in the networks of one district (Charnwood).
//
// # Determinism and memory
//
// The same Config gives byte-identical files, whatever Config.Workers,
// the batch size or GOMAXPROCS. A small plan (the networks and the persons
// they involve, a few per cent of the total) is made first from the seed.
// Persons are then generated in blocks of 1,000, each from its own random
// stream derived from the seed and the block number; identifiers are pure
// functions of a person's global index. Workers generate batches of blocks
// concurrently and one goroutine writes them in block order, so at most a
// few batches are in memory at once, at any scale.
//
// # Fake identifiers
//
// NHS numbers are in the never-issued 999 range with valid check digits;
// UPNs use LA 855, 856 or 857 with establishment numbers 9000 to 9999;
// PNC ids have valid check letters; phones are Ofcom drama numbers; vehicle
// registrations start with Z, which no current GB registration does;
// agency record ids start with DEMO-. FORMAT.md says how each is allocated
// and where the fake ranges force reuse at large scales.
package synth
