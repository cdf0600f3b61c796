package sqlite

import "strings"

// columnList joins column expressions for a SELECT, each under the table
// alias prefix p ("r." or ""): a plain name is prefixed, an expression
// marks where the prefix goes with %s, as in "COALESCE(%srequest_id, 0)".
// Joins of two tables need the prefix; single-table queries pass "".
func columnList(p string, cols ...string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if strings.Contains(c, "%s") {
			out[i] = strings.ReplaceAll(c, "%s", p)
		} else {
			out[i] = p + c
		}
	}
	return strings.Join(out, ", ")
}

// prefixed prefixes each name of a plain comma-separated column list.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = strings.TrimSpace(c)
	}
	return columnList(p, parts...)
}
