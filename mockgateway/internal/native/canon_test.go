package native

import (
	"bytes"
	"strings"
	"testing"
)

// The one-pass canonical JSON must be the decoded-and-encoded one byte for
// byte: a key's fingerprint stored by one gateway version is compared with
// the retry's computed by the next.
func TestCanonFast_SameAsDecoding(t *testing.T) {
	fast := []string{
		`{"out_trade_no":"o-1","amount":1999,"method":"alipay","subject":"Bench"}`,
		`{ "b" : 1 , "a" : [ 1 , 2.5 , -0.5e+10 , true , false , null ] }`,
		`{"a":{"z":1,"y":{"x":[{}, []]}},"a":{"w":2}}`, // the last "a" wins, whole
		`{"k":1,"k":2,"j":3}`,
		`{"e":"ü","ab":"x&y<>","u":"\u0041","q":"\"q\"\n","s":"\u2028 \ud800"}`,
		`{"n":0,"m":-0,"f":1E5,"g":12.0e-3,"big":123456789012345678901234567890}`,
		`{"mixed":"tab\there","del":"\u007f","ctl":"\u0001"}`,
		"{\"bad utf8\":\"\xff\xfe\"}",
		`[1,"two",{"three":3}]`,
		`"just a string"`, `42`, `true`, `null`, `{}`, `[]`,
		`{"metadata":{"order":"A-1","note":"a&b"}}`,
	}
	for _, in := range fast {
		got, ok := canonFast([]byte(in))
		if !ok {
			t.Errorf("canonFast(%q) took the long way", in)
			continue
		}
		if want := decodedCanonicalJSON([]byte(in)); !bytes.Equal(got, want) {
			t.Errorf("canonFast(%q) = %s, decoding gives %s", in, got, want)
		}
	}
	// Anything the one pass is unsure of goes the long way, and comes out
	// as before.
	slow := []string{
		`{"a":1} trailing`, `{"a":01}`, `{"a":1,}`, `{"a" 1}`, `[1 2]`, `{"a":tru}`, `{"a":-}`, `{"a":1.}`,
		`{"a":"unterminated`, "{\"a\":\"raw\x01control\"}", `{"a":1e}`, `{"a":"bad \x escape"}`,
		strings.Repeat("[", 100) + strings.Repeat("]", 100),
		// Keys with escapes, HTML characters or beyond ASCII.
		`{"é":1}`, `{"a<b":1}`, `{"\u0041":1,"A":2}`, `{"a\nb":1}`,
		`nul`, `{`, `}`,
	}
	for _, in := range slow {
		if out, ok := canonFast([]byte(in)); ok {
			t.Errorf("canonFast(%q) = %s, want the long way", in, out)
		}
		if got, want := canonicalJSON([]byte(in)), decodedCanonicalJSON([]byte(in)); !bytes.Equal(got, want) {
			t.Errorf("canonicalJSON(%q) = %s, decoding gives %s", in, got, want)
		}
	}
	if got := canonicalJSON([]byte(" \n ")); string(got) != "{}" {
		t.Errorf("an empty body hashes as %s, want {}", got)
	}
}

func FuzzCanonFast(f *testing.F) {
	for _, s := range []string{
		`{"out_trade_no":"o-1","amount":1999}`, `{"b":[1,{"a":null}],"a":"x"}`, `{"a":1,"a":2}`,
		`{"\u00e9":"<>&"}`, `[-1.5e3,"s",true]`, `"x"`, `{} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		trimmed := bytes.TrimSpace(in)
		if len(trimmed) == 0 {
			return
		}
		got, ok := canonFast(trimmed)
		if !ok {
			return
		}
		if want := decodedCanonicalJSON(trimmed); !bytes.Equal(got, want) {
			t.Fatalf("canonFast(%q) = %s, decoding gives %s", in, got, want)
		}
	})
}

// BenchmarkFingerprint compares the fingerprint of a create's body the one
// pass way with the decode-and-encode way it replaced.
func BenchmarkFingerprint(b *testing.B) {
	body := []byte(`{"out_trade_no":"bench-123456","amount":1999,"currency":"CNY","method":"alipay","subject":"Bench order","notify_url":"http://127.0.0.1:8080/notify","metadata":{"cart":"c-1","user":"u-42"}}`)
	b.Run("one-pass", func(b *testing.B) {
		for b.Loop() {
			canonicalJSON(body)
		}
	})
	b.Run("decode-encode", func(b *testing.B) {
		for b.Loop() {
			decodedCanonicalJSON(body)
		}
	})
}
