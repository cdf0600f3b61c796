package console

import (
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"
)

// pageSize is how many rows a list shows; listMaxScan how many objects one
// page may read when filters refuse most of them (the page then says so and
// offers to go on).
const (
	pageSize    = 50
	listMaxScan = 2000
)

// filter is one filter of a list: its query parameter, its label (a
// catalogue key), the values it takes and the one chosen.
type filter struct {
	Name, Label string
	Options     []string
	Value       string
	// Invalid is a value given that is not an option (ignored, and said).
	Invalid string
}

// readFilter reads a filter from the query string; a value that is not an
// option is ignored and reported.
func readFilter(c *gin.Context, name, lbl string, options []string) filter {
	f := filter{Name: name, Label: lbl, Options: options}
	v := c.Query(name)
	if v == "" || slices.Contains(options, v) {
		f.Value = v
	} else {
		f.Invalid = v
	}
	return f
}

// listNav is a list's paging: newest first, a cursor at a time.
type listNav struct {
	// Next is the address of the next page, "" on the last one.
	Next string
	// First is the address of the first page, "" on it.
	First string
	// Scanned is set when the page ended because it had read listMaxScan
	// objects without filling up.
	Scanned int
}

// nav builds the paging links of a list at path with the filters.
func nav(path string, filters []filter, extra url.Values, after, next string, more bool, scanned int, short bool) listNav {
	q := url.Values{}
	for _, f := range filters {
		if f.Value != "" {
			q.Set(f.Name, f.Value)
		}
	}
	for k, vs := range extra {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	var n listNav
	if after != "" {
		n.First = path + "?" + q.Encode()
	}
	if more {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", next)
		n.Next = path + "?" + nq.Encode()
	}
	if more && short {
		n.Scanned = scanned
	}
	return n
}

func invalidFilters(fs []filter) []filter {
	var out []filter
	for _, f := range fs {
		if f.Invalid != "" {
			out = append(out, f)
		}
	}
	return out
}
