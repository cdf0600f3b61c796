// Package i18n is how both binaries speak Simplified Chinese and English:
// the message catalogues (one per language, in locales/, split into one file
// per area: common, shop, cashier, …), the choice of a request's language,
// and messages kept as a key with arguments so that each reader sees them in
// their own language (docs/i18n.md).
//
// Messages are go-i18n templates: arguments are named ({{.Order}}), plural
// forms are chosen by the library from the Count argument. An argument may
// itself be a Message (a state's label, a payment method's name), rendered in
// the same language. Order numbers, ids, codes and money are plain string
// arguments and stay as they are in every language.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The languages the catalogues speak. English is the default: the language
// of a request that asks for none the catalogues have.
const (
	English = "en"
	Chinese = "zh-CN"
)

// Languages lists the supported languages, the default first.
var Languages = []string{English, Chinese}

// Supported reports whether tag is exactly one of Languages (as a payment's
// locale must be).
func Supported(tag string) bool {
	for _, l := range Languages {
		if l == tag {
			return true
		}
	}
	return false
}

//go:embed locales/*.toml
var locales embed.FS

// Default is the catalogue built from the embedded locales. It is loaded at
// start; a broken file is a bug caught by every test that imports the
// package.
var Default = MustLoad(locales, "locales")

// Catalogue is every message in every supported language.
type Catalogue struct {
	bundle  *goi18n.Bundle
	matcher language.Matcher
	tags    []language.Tag
	// keys[lang] is the set of message ids of each language.
	keys map[string]map[string]bool
	// locs caches one localizer per language: they hold no request state.
	locs map[string]*Localizer
}

// Load reads every *.toml file in dir of fsys. A file is named
// area.LANG.toml (shop.zh-CN.toml); its language must be one of Languages.
func Load(fsys fs.FS, dir string) (*Catalogue, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalogue{bundle: b, keys: map[string]map[string]bool{}, locs: map[string]*Localizer{}}
	for _, l := range Languages {
		c.keys[l] = map[string]bool{}
		c.tags = append(c.tags, language.MustParse(l))
	}
	files, err := fs.Glob(fsys, path.Join(dir, "*.toml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("i18n: no catalogue files in %s", dir)
	}
	for _, f := range files {
		mf, err := b.LoadMessageFileFS(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		lang := fileLang(f)
		if !Supported(lang) {
			return nil, fmt.Errorf("i18n: %s: language %q is not one of %v", f, lang, Languages)
		}
		for _, m := range mf.Messages {
			if c.keys[lang][m.ID] {
				return nil, fmt.Errorf("i18n: %s: message %q is defined twice for %s", f, m.ID, lang)
			}
			c.keys[lang][m.ID] = true
		}
	}
	c.matcher = language.NewMatcher(c.tags)
	for _, l := range Languages {
		c.locs[l] = &Localizer{lang: l, cat: c, l: goi18n.NewLocalizer(b, l)}
	}
	return c, nil
}

// MustLoad is Load for embedded catalogues, where an error is a bug.
func MustLoad(fsys fs.FS, dir string) *Catalogue {
	c, err := Load(fsys, dir)
	if err != nil {
		panic(err)
	}
	return c
}

// fileLang is the LANG of area.LANG.toml.
func fileLang(file string) string {
	name := strings.TrimSuffix(path.Base(file), ".toml")
	if i := strings.Index(name, "."); i >= 0 {
		return name[i+1:]
	}
	return name
}

// Keys returns the message ids of a language, sorted.
func (c *Catalogue) Keys(lang string) []string {
	out := make([]string, 0, len(c.keys[lang]))
	for k := range c.keys[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Has reports whether lang has a message key.
func (c *Catalogue) Has(lang, key string) bool { return c.keys[lang][key] }

// Localizer returns the localizer of a supported language; any other is
// matched to the closest supported one (English when none is close).
func (c *Catalogue) Localizer(lang string) *Localizer {
	if l, ok := c.locs[lang]; ok {
		return l
	}
	if m := c.Match(lang); m != "" {
		return c.locs[m]
	}
	return c.locs[English]
}

// Match returns the supported language closest to the given preferences,
// each a tag or an Accept-Language header; "" when none of them is close to
// any supported language (an empty or unparsable preference counts as none).
func (c *Catalogue) Match(prefs ...string) string {
	var tags []language.Tag
	for _, p := range prefs {
		if p == "" {
			continue
		}
		t, _, err := language.ParseAcceptLanguage(p)
		if err != nil {
			continue
		}
		tags = append(tags, t...)
	}
	if len(tags) == 0 {
		return ""
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return ""
	}
	return Languages[i]
}

// Negotiate chooses a request's language in order: the first of choices that
// is a supported language (the person's own choice, remembered in a cookie;
// a payment's locale), then the Accept-Language header, then English.
func (c *Catalogue) Negotiate(acceptLanguage string, choices ...string) string {
	for _, ch := range choices {
		if Supported(ch) {
			return ch
		}
	}
	if l := c.Match(acceptLanguage); l != "" {
		return l
	}
	return English
}
