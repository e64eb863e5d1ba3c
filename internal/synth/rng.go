package synth

import (
	"math"
	"math/bits"
)

// rng is the generator's pseudo-random source: SplitMix64 with its own
// distribution functions, written here rather than taken from math/rand so
// that the bytes a seed produces cannot change with a Go release.
//
// Every stream of decisions (one block of persons, one network's events, the
// plan) gets its own rng from newRNG(seed, stream, index), so what one part
// of the world draws never shifts what another part draws.
type rng struct{ s uint64 }

// Stream identifiers for newRNG.
const (
	streamPlan uint64 = iota + 1
	streamBlock
	streamNetwork
	streamPerm
	streamOperation
)

// mix64 is the SplitMix64 finaliser, a bijection on uint64.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// newRNG returns the rng of one stream: the generator seed, a stream
// identifier and an index within the stream.
func newRNG(seed, stream, index uint64) *rng {
	return &rng{s: mix64(seed^0x6a09e667f3bcc909) ^ mix64(stream*0x9e3779b97f4a7c15+index*0xd1b54a32d192ed03+1)}
}

func (r *rng) u64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn returns a number in [0, n); n must be positive.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.u64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.u64()>>11) / (1 << 53) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// norm returns a standard normal deviate (Box–Muller).
func (r *rng) norm() float64 {
	u := 1 - r.float() // (0, 1]
	v := r.float()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*v)
}

// lognormal returns a log-normal deviate with the given median and shape.
func (r *rng) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*r.norm())
}

// pareto returns a Pareto deviate with minimum 1 and shape alpha: heavy
// tailed, the usual model of "a few account for most".
func (r *rng) pareto(alpha float64) float64 {
	return math.Pow(1-r.float(), -1/alpha)
}

// exp returns an exponential deviate with the given mean.
func (r *rng) exp(mean float64) float64 { return -mean * math.Log(1-r.float()) }

// pick returns a random element of xs.
func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// weighted picks an index from cumulative weights cum (increasing, last is
// the total).
func (r *rng) weighted(cum []float64) int {
	x := r.float() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// pickIndex picks an index with probability proportional to w, without
// allocating: for short weight lists used once.
func (r *rng) pickIndex(w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	x := r.float() * total
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// cumulative turns weights into the cumulative form weighted expects.
func cumulative(w []float64) []float64 {
	c := make([]float64, len(w))
	t := 0.0
	for i, x := range w {
		t += x
		c[i] = t
	}
	return c
}

// shuffle permutes xs in place.
func shuffle[T any](r *rng, xs []T) {
	for i := len(xs) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		xs[i], xs[j] = xs[j], xs[i]
	}
}

// perm is an affine bijection of [0, m): k ↦ (a·k + c) mod m. It scrambles
// sequential indices into identifiers that look random while staying unique.
type perm struct{ a, c, m uint64 }

// newPerm returns a bijection of [0, m) chosen by seed and salt.
func newPerm(seed, salt, m uint64) perm {
	if m <= 1 {
		return perm{a: 1, m: max(m, 1)}
	}
	r := newRNG(seed, streamPerm, salt)
	a := r.u64()%m | 1
	for gcd(a, m) != 1 {
		a = (a + 2) % m
		if a == 0 {
			a = 1
		}
	}
	return perm{a: a, c: r.u64() % m, m: m}
}

func (p perm) at(k uint64) uint64 {
	hi, lo := bits.Mul64(p.a, k%p.m)
	_, rem := bits.Div64(hi%p.m, lo, p.m)
	return (rem + p.c) % p.m
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
