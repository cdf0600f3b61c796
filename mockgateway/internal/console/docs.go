package console

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/paysandbox/paysandbox/docs"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// The console shows the project's own documents rather than copies of
// them: the scenario catalogue is docs/scenarios.md, and a protocol's
// snippets are the code of the "Pointing …" section of
// docs/protocols/NAME.md. A protocol without such a guide gets none.
//
// Their prose is shown in the reader's language: the catalogue holds it
// under keys named after the scenario (console.scenario.NAME.simulates,
// .merchant) and the snippet (console.snippet.PROTOCOL.N), the English
// being the documents' own words — a test holds the two to each other, so
// a document edited without its catalogue fails.

// scenarioDoc is one scenario of the catalogue.
type scenarioDoc struct {
	// Name is the scenario's name; Example the heading's form (name=value).
	Name, Example string
	// Level is the section it is in (API, payment, object, refund level).
	Level string
	// Simulates and Merchant are the paragraphs "Simulates …" and "A
	// well-behaved merchant …".
	Simulates, Merchant string
}

// The catalogue keys of a scenario's level and paragraphs.
func (d scenarioDoc) LevelKey() string {
	first, _, _ := strings.Cut(d.Level, " ")
	return "console.scenarios.level." + strings.ToLower(first)
}
func (d scenarioDoc) SimulatesKey() string { return "console.scenario." + d.Name + ".simulates" }
func (d scenarioDoc) MerchantKey() string  { return "console.scenario." + d.Name + ".merchant" }

// parseCatalogue reads every "### `name`" section of docs/scenarios.md. A
// scenario of the grammar missing from it is an error: the console would
// offer a preset it cannot explain.
func parseCatalogue() ([]scenarioDoc, error) {
	var out []scenarioDoc
	var cur *scenarioDoc
	var para []string
	level := ""
	flush := func() {
		text := strings.Join(para, " ")
		para = nil
		if cur == nil {
			return
		}
		switch {
		case strings.HasPrefix(text, "**Simulates**"):
			cur.Simulates = strings.TrimSpace(strings.TrimPrefix(text, "**Simulates**"))
		case strings.HasPrefix(text, "**A well-behaved merchant**"):
			cur.Merchant = "A careful merchant" + strings.TrimPrefix(text, "**A well-behaved merchant**")
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(docs.Scenarios))
	inCode := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		switch {
		case strings.HasPrefix(line, "## "):
			flush()
			cur = nil
			level = strings.TrimSpace(strings.TrimPrefix(line, "## "))
			if i := strings.Index(level, " ("); i > 0 {
				level = level[:i]
			}
		case strings.HasPrefix(line, "### `"):
			flush()
			ex := strings.Trim(strings.TrimPrefix(line, "### "), "` ")
			name, _, _ := strings.Cut(ex, "=")
			out = append(out, scenarioDoc{Name: name, Example: ex, Level: level})
			cur = &out[len(out)-1]
		case strings.TrimSpace(line) == "":
			flush()
		default:
			para = append(para, strings.TrimSpace(line))
		}
	}
	flush()
	for _, name := range gateway.ScenarioNames {
		i := indexDoc(out, name)
		if i < 0 {
			return nil, fmt.Errorf("console: docs/scenarios.md has no section for %s", name)
		}
		if out[i].Simulates == "" || out[i].Merchant == "" {
			return nil, fmt.Errorf("console: docs/scenarios.md: %s lacks its Simulates or well-behaved merchant paragraph", name)
		}
	}
	return out, nil
}

func indexDoc(docs []scenarioDoc, name string) int {
	for i, d := range docs {
		if d.Name == name {
			return i
		}
	}
	return -1
}

// snippet is one code block of a protocol's guide, with the text that
// introduces it.
type snippet struct {
	Caption, Lang, Code string
	// Key is the caption's catalogue key (console.snippet.PROTOCOL.N).
	Key string
}

// loadSnippets reads the "Pointing …" section of each protocol's guide.
func loadSnippets(protocols []string) map[string][]snippet {
	out := map[string][]snippet{}
	for _, p := range protocols {
		raw, err := docs.Protocols.ReadFile("protocols/" + p + ".md")
		if err != nil {
			continue // no guide, no snippet
		}
		if s := pointingSnippets(string(raw)); len(s) > 0 {
			for i := range s {
				s[i].Key = fmt.Sprintf("console.snippet.%s.%d", p, i+1)
			}
			out[p] = s
		}
	}
	return out
}

// pointingSnippets returns the code blocks of the first "## Pointing …"
// section, each with the heading or paragraph just before it.
func pointingSnippets(md string) []snippet {
	var out []snippet
	in, inCode := false, false
	var caption, heading string
	var para, code []string
	lang, ended := "", false
	for _, line := range strings.Split(md, "\n") {
		if inCode {
			if strings.HasPrefix(line, "```") {
				inCode = false
				out = append(out, snippet{Caption: caption, Lang: lang, Code: strings.Join(code, "\n")})
				code, heading = nil, ""
				continue
			}
			code = append(code, line)
			continue
		}
		if strings.HasPrefix(line, "## ") {
			if in {
				break
			}
			in = strings.HasPrefix(line, "## Pointing")
			continue
		}
		if !in {
			continue
		}
		switch {
		case strings.HasPrefix(line, "```"):
			inCode, lang = true, strings.TrimPrefix(line, "```")
			caption = strings.Join(para, " ")
			if heading != "" {
				caption = strings.TrimSpace(heading + " — " + caption)
			}
			para, ended = nil, false
		case strings.HasPrefix(line, "### "):
			heading, para = strings.TrimPrefix(line, "### "), nil
		case strings.TrimSpace(line) == "":
			ended = true
		default:
			if ended {
				para, ended = nil, false
			}
			para = append(para, strings.TrimSpace(line))
		}
	}
	return out
}
