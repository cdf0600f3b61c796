package native

import (
	"bytes"
	"encoding/json"
	"slices"
)

// canonFast writes trimmed JSON canonically in one pass, byte for byte as
// decodedCanonicalJSON would, without building a tree of interfaces. ok is
// false when it meets anything it does not handle exactly as
// encoding/json does — invalid JSON, anything after the first value, deep
// nesting — and the caller then takes the long way.
func canonFast(trimmed []byte) (out []byte, ok bool) {
	c := canon{in: trimmed, out: make([]byte, 0, len(trimmed)), members: make([]member, 0, 16), values: make([]byte, 0, len(trimmed))}
	if !c.value(0) {
		return nil, false
	}
	c.space()
	if c.pos != len(c.in) {
		return nil, false
	}
	return c.out, true
}

// maxCanonDepth bounds the nesting canonFast follows; deeper bodies take
// the long way.
const maxCanonDepth = 64

var literals = [][]byte{[]byte("true"), []byte("false"), []byte("null")}

type canon struct {
	in  []byte
	pos int
	out []byte
	// members and values are scratch space the objects share: a nested
	// object is done with them before the object around it needs them.
	members []member
	values  []byte
}

func (c *canon) space() {
	for c.pos < len(c.in) {
		switch c.in[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *canon) value(depth int) bool {
	c.space()
	if c.pos >= len(c.in) || depth > maxCanonDepth {
		return false
	}
	switch b := c.in[c.pos]; {
	case b == '{':
		return c.object(depth)
	case b == '[':
		return c.array(depth)
	case b == '"':
		s, _, ok := c.str()
		c.out = append(c.out, s...)
		return ok
	case b == '-' || b >= '0' && b <= '9':
		return c.number()
	default:
		for _, lit := range literals {
			if bytes.HasPrefix(c.in[c.pos:], lit) {
				c.pos += len(lit)
				c.out = append(c.out, lit...)
				return true
			}
		}
		return false
	}
}

// member is one of an object's members: where its key sits in the input
// (inside the quotes) and its canonical value in out. Offsets, not slices:
// sorting moves no pointers.
type member struct {
	k0, k1     int
	start, end int
}

func (c *canon) object(depth int) bool {
	c.pos++ // {
	first := len(c.members)
	defer func() { c.members = c.members[:first] }()
	// Values are written to out as they are read, then copied back in key
	// order behind the mark.
	mark := len(c.out)
	c.space()
	if c.pos < len(c.in) && c.in[c.pos] == '}' {
		c.pos++
		c.out = append(c.out, '{', '}')
		return true
	}
	for {
		c.space()
		if c.pos >= len(c.in) || c.in[c.pos] != '"' {
			return false
		}
		k0 := c.pos + 1
		// A plain key is its own encoding, and sorts as it is decoded;
		// keys with escapes or beyond ASCII are rare enough for the long
		// way.
		if _, plain, ok := c.str(); !ok || !plain {
			return false
		}
		k1 := c.pos - 1
		c.space()
		if c.pos >= len(c.in) || c.in[c.pos] != ':' {
			return false
		}
		c.pos++
		start := len(c.out)
		if !c.value(depth + 1) {
			return false
		}
		c.members = append(c.members, member{k0: k0, k1: k1, start: start, end: len(c.out)})
		c.space()
		if c.pos >= len(c.in) {
			return false
		}
		if c.in[c.pos] == '}' {
			c.pos++
			break
		}
		if c.in[c.pos] != ',' {
			return false
		}
		c.pos++
	}
	// The last of equal keys wins, as in a map; the sort is stable, so it
	// is the last of its run.
	members := c.members[first:]
	key := func(m member) []byte { return c.in[m.k0:m.k1] }
	slices.SortStableFunc(members, func(a, b member) int { return bytes.Compare(key(a), key(b)) })
	c.values = append(c.values[:0], c.out[mark:]...)
	values := c.values
	c.out = append(c.out[:mark], '{')
	for i, m := range members {
		if i+1 < len(members) && bytes.Equal(key(members[i+1]), key(m)) {
			continue
		}
		if c.out[len(c.out)-1] != '{' {
			c.out = append(c.out, ',')
		}
		c.out = append(c.out, c.in[m.k0-1:m.k1+1]...)
		c.out = append(c.out, ':')
		c.out = append(c.out, values[m.start-mark:m.end-mark]...)
	}
	c.out = append(c.out, '}')
	return true
}

func (c *canon) array(depth int) bool {
	c.pos++ // [
	c.out = append(c.out, '[')
	c.space()
	if c.pos < len(c.in) && c.in[c.pos] == ']' {
		c.pos++
		c.out = append(c.out, ']')
		return true
	}
	for {
		if !c.value(depth + 1) {
			return false
		}
		c.space()
		if c.pos >= len(c.in) {
			return false
		}
		switch c.in[c.pos] {
		case ']':
			c.pos++
			c.out = append(c.out, ']')
			return true
		case ',':
			c.pos++
			c.out = append(c.out, ',')
		default:
			return false
		}
	}
}

// str reads a string and returns it as encoding/json writes it: the raw
// bytes (plain) when they are printable ASCII without escapes or the
// characters it escapes for HTML, else the string decoded and encoded
// again.
func (c *canon) str() (enc []byte, plain, ok bool) {
	start := c.pos
	c.pos++ // "
	plain = true
	for c.pos < len(c.in) {
		b := c.in[c.pos]
		switch {
		case b == '"':
			c.pos++
			raw := c.in[start:c.pos]
			if plain {
				return raw, true, true
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, false, false
			}
			out, err := json.Marshal(s)
			return out, false, err == nil
		case b == '\\':
			plain = false
			c.pos += 2 // the escaped byte cannot end the string
			continue
		case b < 0x20 || b >= 0x80 || b == '<' || b == '>' || b == '&':
			plain = false
		}
		c.pos++
	}
	return nil, false, false
}

// number reads a number as JSON's grammar has it and writes it as it is
// (the decoder's json.Number keeps the text).
func (c *canon) number() bool {
	start := c.pos
	if c.in[c.pos] == '-' {
		c.pos++
	}
	digits := func() int {
		n := 0
		for c.pos < len(c.in) && c.in[c.pos] >= '0' && c.in[c.pos] <= '9' {
			c.pos++
			n++
		}
		return n
	}
	if c.pos < len(c.in) && c.in[c.pos] == '0' {
		c.pos++
	} else if digits() == 0 {
		return false
	}
	if c.pos < len(c.in) && c.in[c.pos] == '.' {
		c.pos++
		if digits() == 0 {
			return false
		}
	}
	if c.pos < len(c.in) && (c.in[c.pos] == 'e' || c.in[c.pos] == 'E') {
		c.pos++
		if c.pos < len(c.in) && (c.in[c.pos] == '+' || c.in[c.pos] == '-') {
			c.pos++
		}
		if digits() == 0 {
			return false
		}
	}
	c.out = append(c.out, c.in[start:c.pos]...)
	return true
}
