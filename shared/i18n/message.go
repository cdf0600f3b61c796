package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// Message is something to say, kept as a catalogue key and its arguments, so
// it can be stored and later read in any language. Argument values are
// strings, integers or Messages (rendered in the reader's language). The
// argument named Count also chooses the plural form.
//
// Raw is text from before messages had keys (rows written by an older shop):
// shown as it is, in whatever language it was written.
type Message struct {
	Key  string         `json:"key,omitempty"`
	Args map[string]any `json:"args,omitempty"`
	Raw  string         `json:"raw,omitempty"`
}

// M builds a Message from a key and name/value pairs of arguments:
// M("shop.timeline.paid", "N", 2, "Method", M("method.alipay")).
func M(key string, kv ...any) Message {
	m := Message{Key: key}
	if len(kv) > 0 {
		m.Args = make(map[string]any, len(kv)/2)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		name, ok := kv[i].(string)
		if !ok {
			panic(fmt.Sprintf("i18n.M(%q): argument name %v is not a string", key, kv[i]))
		}
		m.Args[name] = kv[i+1]
	}
	if len(kv)%2 != 0 {
		panic(fmt.Sprintf("i18n.M(%q): odd number of arguments", key))
	}
	return m
}

// Raw wraps text that has no key (old rows): it is shown as it is.
func Raw(text string) Message { return Message{Raw: text} }

// IsZero reports whether the message says nothing.
func (m Message) IsZero() bool { return m.Key == "" && m.Raw == "" }

// String renders the message in English with the default catalogue: for
// logs, errors and tests.
func (m Message) String() string { return Default.Localizer(English).Msg(m) }

// UnmarshalJSON decodes a stored message: nested messages become Messages
// again, whole numbers int64.
func (m *Message) UnmarshalJSON(b []byte) error {
	var raw struct {
		Key  string                     `json:"key"`
		Args map[string]json.RawMessage `json:"args"`
		Raw  string                     `json:"raw"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Key, m.Raw, m.Args = raw.Key, raw.Raw, nil
	if len(raw.Args) > 0 {
		m.Args = make(map[string]any, len(raw.Args))
	}
	for name, v := range raw.Args {
		val, err := decodeArg(v)
		if err != nil {
			return fmt.Errorf("i18n: argument %s of %s: %w", name, raw.Key, err)
		}
		m.Args[name] = val
	}
	return nil
}

func decodeArg(v json.RawMessage) (any, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0:
		return nil, fmt.Errorf("empty value")
	case v[0] == '{':
		var nested Message
		err := json.Unmarshal(v, &nested)
		return nested, err
	case v[0] == '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	}
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n, nil
	}
	var x any
	err := json.Unmarshal(v, &x)
	return x, err
}

// Localizer speaks one language.
type Localizer struct {
	lang string
	cat  *Catalogue
	l    *goi18n.Localizer
}

// Lang is the localizer's language tag, as <html lang> wants it.
func (l *Localizer) Lang() string { return l.lang }

// T renders the message key with name/value pairs of arguments.
func (l *Localizer) T(key string, kv ...any) string { return l.Msg(M(key, kv...)) }

// Msg renders a message. A key missing from the catalogues is shown as the
// key itself, so a test that reads the page notices it.
func (l *Localizer) Msg(m Message) string {
	if m.Key == "" {
		return m.Raw
	}
	data := make(map[string]any, len(m.Args))
	var count any
	for name, v := range m.Args {
		if nested, ok := v.(Message); ok {
			v = l.Msg(nested)
		}
		data[name] = v
		if name == "Count" {
			count = v
		}
	}
	out, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: m.Key, TemplateData: data, PluralCount: count})
	if err != nil && out == "" {
		return m.Key
	}
	return out
}

// Funcs are the template functions of a page rendered in l's language:
// t renders a key with arguments, msg a Message, lang is the language tag.
// Pages are parsed once per language with these bound (templates are
// parsed once, executed many times).
func (l *Localizer) Funcs() template.FuncMap {
	return template.FuncMap{
		"t":    l.T,
		"msg":  l.Msg,
		"lang": l.Lang,
	}
}
