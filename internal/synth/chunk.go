package synth

import "slices"

// chunk holds the rows one job (a batch of consecutive blocks) produced,
// one buffer per file, until the writer appends them in block order.
type chunk struct {
	dataset string
	w       [numFiles]row
	rows    [numFiles]int64
	stats   stats

	// Signal files are sorted by time within each block: rows are staged
	// here with their time and flushed at the end of the block.
	staged [numFiles]row
	keys   [numFiles][]stagedKey
}

type stagedKey struct {
	t        int64
	off, end int
}

// stats are the counts Summary reports beyond file row counts.
type stats struct {
	households, children, known, highRisk, withNHS int64
	extractDup                                     int64
}

func (s *stats) add(o stats) {
	s.households += o.households
	s.children += o.children
	s.known += o.known
	s.highRisk += o.highRisk
	s.withNHS += o.withNHS
	s.extractDup += o.extractDup
}

func newChunk(dataset string) *chunk {
	c := &chunk{dataset: dataset}
	for i := range c.w {
		c.w[i].start = true
		c.staged[i].start = true
	}
	return c
}

// rec starts a record of file f, with its dataset column written.
func (c *chunk) rec(f fileID) *row {
	w := &c.w[f]
	c.rows[f]++
	w.str(c.dataset)
	return w
}

// timed starts a record of file f to be sorted by time t within the block.
func (c *chunk) timed(f fileID, t int64) *row {
	w := &c.staged[f]
	if k := c.keys[f]; len(k) > 0 {
		k[len(k)-1].end = len(w.b)
	}
	c.keys[f] = append(c.keys[f], stagedKey{t: t, off: len(w.b)})
	c.rows[f]++
	w.str(c.dataset)
	return w
}

// flushStaged appends the staged rows of every file in time order. It is
// called at the end of each block, so the order never depends on how
// blocks are batched.
func (c *chunk) flushStaged() {
	for f := range c.keys {
		keys := c.keys[f]
		if len(keys) == 0 {
			continue
		}
		st := &c.staged[f]
		keys[len(keys)-1].end = len(st.b)
		slices.SortFunc(keys, func(a, b stagedKey) int {
			if a.t != b.t {
				if a.t < b.t {
					return -1
				}
				return 1
			}
			return a.off - b.off
		})
		for _, k := range keys {
			c.w[f].b = append(c.w[f].b, st.b[k.off:k.end]...)
		}
		st.b = st.b[:0]
		c.keys[f] = keys[:0]
	}
}
