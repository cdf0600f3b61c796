// Command report turns the RESULT lines of bench/run-compare.sh into the
// table of docs/benchmarks.md: per workload the median over the rounds of
// requests per second, p50 and p99, and the ratios to the baseline of the
// same round; then the targets of issue 18, each met or not. It exits 1 when
// any request failed.
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

type sample struct {
	rps      float64
	p50, p99 float64 // µs
	errors   int
}

func main() {
	by := map[string][]sample{}
	var order []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 6 || f[0] != "RESULT" {
			continue
		}
		var s sample
		s.rps, _ = strconv.ParseFloat(f[2], 64)
		s.p50, _ = strconv.ParseFloat(f[3], 64)
		s.p99, _ = strconv.ParseFloat(f[4], 64)
		s.errors, _ = strconv.Atoi(f[5])
		if _, ok := by[f[1]]; !ok {
			order = append(order, f[1])
		}
		by[f[1]] = append(by[f[1]], s)
	}
	base := by["baseline"]
	if len(base) == 0 {
		fmt.Fprintln(os.Stderr, "report: no baseline results")
		os.Exit(1)
	}
	ratio := func(name string, f func(s, b sample) float64) float64 {
		var rs []float64
		for i, s := range by[name] {
			if i < len(base) {
				rs = append(rs, f(s, base[i]))
			}
		}
		return median(rs)
	}
	rps := func(s, b sample) float64 { return s.rps / b.rps }
	p99 := func(s, b sample) float64 { return s.p99 / b.p99 }
	failed := 0
	fmt.Printf("| workload | req/s | p50 | p99 | req/s ÷ baseline | p99 ÷ baseline | errors |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, name := range order {
		ss := by[name]
		errs := 0
		for _, s := range ss {
			errs += s.errors
		}
		failed += errs
		fmt.Printf("| %s | %.0f | %.2f ms | %.2f ms | %.2f | %.2f | %d |\n", name,
			median(pick(ss, func(s sample) float64 { return s.rps })),
			median(pick(ss, func(s sample) float64 { return s.p50 }))/1000,
			median(pick(ss, func(s sample) float64 { return s.p99 }))/1000,
			ratio(name, rps), ratio(name, p99), errs)
	}
	fmt.Printf("\n%d rounds; medians over rounds, ratios taken within each round.\n\n", len(base))
	check := func(what string, got, want float64, atLeast bool) {
		ok := got >= want
		if !atLeast {
			ok = got <= want
		}
		mark := "met"
		if !ok {
			mark = "NOT met"
		}
		op := "≥"
		if !atLeast {
			op = "≤"
		}
		fmt.Printf("- %s: %.2f (target %s %.2f) — %s\n", what, got, op, want, mark)
	}
	if len(by["create"]) > 0 {
		check("create ÷ baseline req/s", ratio("create", rps), 0.6, true)
		check("create p99 ÷ baseline p99", ratio("create", p99), 2, false)
	}
	if len(by["create-idempotent"]) > 0 && len(by["create"]) > 0 {
		var rs []float64
		for i, s := range by["create-idempotent"] {
			if i < len(by["create"]) {
				rs = append(rs, s.rps/by["create"][i].rps)
			}
		}
		check("create with Idempotency-Key ÷ create req/s", median(rs), 0.85, true)
	}
	if len(by["get"]) > 0 {
		check("GET ÷ baseline req/s", ratio("get", rps), 0.8, true)
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "report: %d requests failed\n", failed)
		os.Exit(1)
	}
}

func pick(ss []sample, f func(sample) float64) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
