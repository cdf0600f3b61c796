package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// keyLiteral is a string literal that reads like a catalogue key. A literal
// ending in "." or "_" is a prefix the code completes (a state's label).
// Keys of an area (shop, cashier, console) have at least two dots, which
// tells them from names such as "shop.db".
var keyLiteral = regexp.MustCompile(`^((shop|cashier|console)\.[a-z0-9_-]+\.[a-z0-9_.-]*[a-z0-9]|(common|method|decline|language)\.[a-z0-9_.-]*[a-z0-9])$`)

// TestKeys_UsedByTheCodeExist reads every Go file of the module (tests
// aside) and fails for each string literal that names a catalogue key one
// of the languages lacks: a typo in a key, or a key added in Go and never
// written into a catalogue. Keys the code builds from parts are checked by
// the packages' page tests, which render them.
func TestKeys_UsedByTheCodeExist(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	seen, console := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "bench" || name == "examples") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !keyLiteral.MatchString(s) {
				return true
			}
			seen++
			if strings.HasPrefix(s, "console.") {
				console++
			}
			for _, lang := range Languages {
				if !Default.Has(lang, s) {
					t.Errorf("%s: key %q is not in the %s catalogue", fset.Position(lit.Pos()), s, lang)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 150 {
		t.Errorf("found %d keys in the code; the walk missed the shop and the cashier", seen)
	}
	if console < 100 {
		t.Errorf("found %d console keys in the code; the walk missed mockgateway/internal/console", console)
	}
}
