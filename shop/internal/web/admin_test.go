package web

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestAdminQueue_OldestFirstWithAge: the refund queue lists the request
// that has waited longest first, whatever order the rows were written in,
// and shows how long each has waited.
func TestAdminQueue_OldestFirstWithAge(t *testing.T) {
	e := newEnv(t, "")
	var skew atomic.Int64
	e.db.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	newer, _ := e.paidOrder("alice@example.com", 1000)
	older, _ := e.paidOrder("bob@example.com", 2000)
	// The newer request is written first, so its id is the smaller.
	skew.Store(int64(-3*time.Hour - 20*time.Minute))
	rNew := e.requested(newer, "alice@example.com", 1000)
	skew.Store(int64(-50 * time.Hour))
	rOld := e.requested(older, "bob@example.com", 2000)
	skew.Store(0)

	sam := e.browser()
	sam.signIn("support@example.com", "support-sandbox")
	_, body := sam.get("/admin")
	iOld, iNew := strings.Index(body, rOld.No), strings.Index(body, rNew.No)
	if iOld < 0 || iNew < 0 || iOld > iNew {
		t.Fatalf("queue lists %s at %d and %s at %d; want both, the older (%s) first\n%s", rOld.No, iOld, rNew.No, iNew, rOld.No, body)
	}
	// Each row's age is in its last cell, before the next row starts.
	rowOf := func(i int) string {
		row := body[i:]
		if end := strings.Index(row, "</tr>"); end >= 0 {
			row = row[:end]
		}
		return row
	}
	if row := rowOf(iOld); !strings.Contains(row, "<td>2d</td>") {
		t.Errorf("row of %s does not say it waited 2d:\n%s", rOld.No, row)
	}
	if row := rowOf(iNew); !strings.Contains(row, "<td>3h 20m</td>") {
		t.Errorf("row of %s does not say it waited 3h 20m:\n%s", rNew.No, row)
	}
}
