package synth

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"runtime"
	"sync"
)

// Summary counts what Generate wrote. It is also written, as JSON, to
// manifest.json after the data files.
type Summary struct {
	Dataset string `json:"dataset"`
	Scale   Scale  `json:"scale"` // empty when Config.Persons overrode the preset
	Seed    uint64 `json:"seed"`
	Start   string `json:"start"` // YYYY-MM-DD
	End     string `json:"end"`   // YYYY-MM-DD, the date ages and statuses are stated at

	Persons          int64 `json:"persons"`
	Households       int64 `json:"households"`
	Children         int64 `json:"children"`          // under 18 at End
	KnownToServices  int64 `json:"known_to_services"` // children known to children's services at End
	HighRiskChildren int64 `json:"high_risk_children"`
	WithNHSNumber    int64 `json:"with_nhs_number"`
	PlantedPersons   int   `json:"planted_persons"` // persons in networks

	// ExtractRecords counts each agency's extract rows, by agency kind;
	// ExtractDuplicates of them are second records of a person.
	ExtractRecords    map[string]int64 `json:"extract_records"`
	ExtractDuplicates int64            `json:"extract_duplicates"`

	CountyLines       int `json:"county_lines"`
	ActiveCountyLines int `json:"active_county_lines"`
	OrganisedGroups   int `json:"organised_groups"`
	PeerGroups        int `json:"peer_groups"`
	// FocusChildren counts the distinct children (under 18 at End) in
	// networks operating in the focus district (Charnwood).
	FocusChildren int `json:"focus_children"`

	Referrals        int64 `json:"referrals"`
	MissingEpisodes  int64 `json:"missing_episodes"`
	ReturnInterviews int64 `json:"return_interviews"`
	NRMReferrals     int64 `json:"nrm_referrals"`
	HealthFlags      int64 `json:"health_flags"`
	Operations       int64 `json:"operations"`
	Journeys         int64 `json:"journeys"`
	Vehicles         int64 `json:"vehicles"`
	SightingRows     int64 `json:"sighting_rows"` // one row per person sighted
	StopSearches     int64 `json:"stop_searches"`
	Calls            int64 `json:"calls"`
	ANPRReads        int64 `json:"anpr_reads"`

	Files []FileSummary `json:"files"`
}

// FileSummary describes one file written: data rows (without the header),
// bytes and SHA-256 of the whole file.
type FileSummary struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ManifestName is the name of the JSON Summary written after the data
// files.
const ManifestName = "manifest.json"

// Generate writes the synthetic partnership cfg describes to sink: the
// files listed by Files, then ManifestName. The same Config always gives
// the same bytes, whatever Workers and GOMAXPROCS are. Memory stays
// bounded at any scale: persons are generated in blocks of 1,000, a few
// blocks per worker at a time, and written in order.
//
// progress, if not nil, is called from Generate's goroutine after each
// batch of blocks is written, with the persons written so far and the
// total. Generate stops early, returning ctx.Err(), when ctx is cancelled;
// the files written so far are then incomplete.
func Generate(ctx context.Context, cfg Config, sink Sink, progress func(done, total int64)) (*Summary, error) {
	cfg, err := cfg.Normalize()
	if err != nil {
		return nil, err
	}
	p := newPlan(cfg)
	outs := make([]*output, numFiles)
	closeAll := func() {
		for _, o := range outs {
			if o != nil {
				o.wc.Close()
			}
		}
	}
	for f := range numFiles {
		wc, err := sink.Create(files[f].Name)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("create %s: %w", files[f].Name, err)
		}
		outs[f] = newOutput(wc)
		hdr := &row{start: true}
		for _, col := range files[f].Columns {
			hdr.str(col)
		}
		hdr.end()
		outs[f].write(hdr.b)
	}

	var total stats
	var rows [numFiles]int64
	emit := func(c *chunk) error {
		for f := range numFiles {
			if err := outs[f].write(c.w[f].b); err != nil {
				return fmt.Errorf("write %s: %w", files[f].Name, err)
			}
			rows[f] += c.rows[f]
		}
		total.add(c.stats)
		return nil
	}
	head := newChunk(p.dataset)
	p.writePlanFiles(head)
	if err := emit(head); err != nil {
		closeAll()
		return nil, err
	}
	if err := p.run(ctx, cfg, emit, progress); err != nil {
		closeAll()
		return nil, err
	}

	sum := p.summary(total)
	for f, o := range outs {
		if err := o.close(); err != nil {
			closeAll()
			return nil, fmt.Errorf("close %s: %w", files[f].Name, err)
		}
		sum.Files = append(sum.Files, FileSummary{Name: files[f].Name, Rows: rows[f], Bytes: o.n, SHA256: hex.EncodeToString(o.h.Sum(nil))})
	}
	sum.fill(rows)
	if err := writeManifest(sink, sum); err != nil {
		return nil, err
	}
	return sum, nil
}

// output is one file being written: buffered, counted and hashed.
type output struct {
	wc  io.WriteCloser
	bw  *bufio.Writer
	h   hash.Hash
	n   int64
	err error
}

func newOutput(wc io.WriteCloser) *output {
	return &output{wc: wc, bw: bufio.NewWriterSize(wc, 256<<10), h: sha256.New()}
}

func (o *output) write(b []byte) error {
	if o.err != nil || len(b) == 0 {
		return o.err
	}
	o.h.Write(b)
	o.n += int64(len(b))
	_, o.err = o.bw.Write(b)
	return o.err
}

func (o *output) close() error {
	if o.err != nil {
		return o.err
	}
	if err := o.bw.Flush(); err != nil {
		return err
	}
	return o.wc.Close()
}

func writeManifest(sink Sink, sum *Summary) error {
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	wc, err := sink.Create(ManifestName)
	if err != nil {
		return fmt.Errorf("create %s: %w", ManifestName, err)
	}
	if _, err := wc.Write(append(b, '\n')); err != nil {
		wc.Close()
		return fmt.Errorf("write %s: %w", ManifestName, err)
	}
	return wc.Close()
}

// job is a batch of consecutive blocks.
type job struct {
	first, last int // blocks [first, last)
	done        chan *chunk
}

// run generates the blocks on cfg.Workers goroutines and hands the chunks
// to emit in block order. At most about three chunks per worker are in
// memory: two queued for the writer and one being generated.
func (p *plan) run(ctx context.Context, cfg Config, emit func(*chunk) error, progress func(done, total int64)) error {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	order := make(chan *job, 2*workers)
	todo := make(chan *job)
	pool := sync.Pool{New: func() any { return newChunk(p.dataset) }}
	go func() {
		defer close(order)
		defer close(todo)
		for first := 0; first < p.nb; first += cfg.batch {
			j := &job{first: first, last: min(p.nb, first+cfg.batch), done: make(chan *chunk, 1)}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case todo <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range todo {
				c := pool.Get().(*chunk)
				for b := j.first; b < j.last && ctx.Err() == nil; b++ {
					p.generateBlock(b, c)
				}
				j.done <- c
			}
		}()
	}
	defer wg.Wait()

	for j := range order {
		var c *chunk
		select {
		case c = <-j.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emit(c); err != nil {
			return err
		}
		c.reset()
		pool.Put(c)
		if progress != nil {
			progress(min(p.n, int64(j.last)*blockSize), p.n)
		}
	}
	return ctx.Err()
}

func (c *chunk) reset() {
	for f := range c.w {
		c.w[f].b = c.w[f].b[:0]
		c.w[f].start = true
		c.rows[f] = 0
	}
	c.stats = stats{}
}

func (p *plan) generateBlock(b int, c *chunk) {
	g := &blockGen{
		p:        p,
		b:        b,
		r:        newRNG(p.seed, streamBlock, uint64(b)),
		c:        c,
		upnCount: map[upnKey]int{},
		byTown:   map[*town][]*person{},
		youth:    map[*town][]*person{},
	}
	g.run()
}

func (p *plan) summary(st stats) *Summary {
	s := &Summary{
		Dataset:           p.dataset,
		Scale:             p.cfg.Scale,
		Seed:              p.seed,
		Start:             dateString(p.startDay),
		End:               dateString(p.endDay),
		Persons:           p.n,
		Households:        st.households,
		Children:          st.children,
		KnownToServices:   st.known,
		HighRiskChildren:  st.highRisk,
		WithNHSNumber:     st.withNHS,
		PlantedPersons:    len(p.specs),
		ExtractDuplicates: st.extractDup,
		ExtractRecords:    map[string]int64{},
	}
	if p.cfg.Persons != p.cfg.Scale.Persons() {
		s.Scale = ""
	}
	focus := map[*spec]bool{}
	for _, n := range p.nets {
		switch {
		case n.kind == kindLine:
			s.CountyLines++
			if n.active() {
				s.ActiveCountyLines++
			}
		case n.kind == kindPeer:
			s.PeerGroups++
		default:
			s.OrganisedGroups++
		}
		inFocus := false
		for _, t := range n.towns {
			inFocus = inFocus || t.council == focusCouncil
		}
		if !inFocus {
			continue
		}
		for _, m := range n.members {
			if ageOn(m.sp.dob, p.endDay) < 18 {
				focus[m.sp] = true
			}
		}
	}
	s.FocusChildren = len(focus)
	return s
}

// fill copies file row counts into the named fields.
func (s *Summary) fill(rows [numFiles]int64) {
	for _, a := range agencies {
		s.ExtractRecords[a.kind] = rows[a.file]
	}
	s.Referrals = rows[fReferrals]
	s.MissingEpisodes = rows[fMissing]
	s.ReturnInterviews = rows[fRHI]
	s.NRMReferrals = rows[fNRM]
	s.HealthFlags = rows[fHealthFlags]
	s.Operations = rows[fOperations]
	s.Journeys = rows[fJourneys]
	s.Vehicles = rows[fVehicles]
	s.SightingRows = rows[fSightings]
	s.StopSearches = rows[fStops]
	s.Calls = rows[fCalls]
	s.ANPRReads = rows[fANPR]
}
