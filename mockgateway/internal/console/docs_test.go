package console

import (
	"slices"
	"testing"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

func TestPointingSnippets(t *testing.T) {
	md := "# X\n\n## Credentials\n\n```sh\nnot this\n```\n\n## Pointing an SDK at it\n\nIntro.\n\n### Go SDK\n\nTakes a base URL:\n\n```go\nc := New(\"http://localhost:8081\")\n```\n\n" +
		"Node, too:\n```js\nnew X({host: 'localhost'})\n```\n\n## Endpoints\n\n```sh\nnor this\n```\n"
	got := pointingSnippets(md)
	want := []snippet{
		{Caption: "Go SDK — Takes a base URL:", Lang: "go", Code: "c := New(\"http://localhost:8081\")"},
		{Caption: "Node, too:", Lang: "js", Code: "new X({host: 'localhost'})"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if s := pointingSnippets("# X\n\n## Endpoints\n\n```sh\ncurl\n```\n"); len(s) != 0 {
		t.Fatalf("a guide without a Pointing section gave %+v", s)
	}
}

func TestLoadSnippets(t *testing.T) {
	s := loadSnippets([]string{gateway.ProtocolNative, gateway.ProtocolStripe, gateway.ProtocolWechat, "nosuchprotocol"})
	for _, p := range []string{gateway.ProtocolNative, gateway.ProtocolStripe, gateway.ProtocolWechat} {
		if len(s[p]) == 0 {
			t.Errorf("no snippet for %s from docs/protocols/%s.md", p, p)
		}
	}
	if _, ok := s["nosuchprotocol"]; ok {
		t.Error("a protocol without a guide got snippets")
	}
}

func TestParseCatalogue(t *testing.T) {
	docs, err := parseCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range gateway.ScenarioNames {
		i := indexDoc(docs, name)
		if i < 0 || docs[i].Level == "" || docs[i].Simulates == "" || docs[i].Merchant == "" {
			t.Errorf("%s: %+v", name, docs[max(i, 0)])
		}
	}
}
