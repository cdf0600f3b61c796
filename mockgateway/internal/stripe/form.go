package stripe

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// Stripe's requests are form-encoded with brackets for nesting
// (metadata[order]=1, payment_method_types[]=card, line_items[0][quantity]=2).
// decodeForm turns them into a tree of map[string]any (objects), []any
// (arrays) and strings, and params reads that tree while remembering what
// was read, so any parameter left over is refused as Stripe does
// (parameter_unknown, naming it).

// decodeForm parses a query string or a form body into a tree.
func decodeForm(raw string) (map[string]any, error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, invalidRequest("", "The request body could not be read as application/x-www-form-urlencoded: %v.", err)
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	// Indexes must be filled in order; sorting puts a[0] before a[1] (and
	// a[10] after a[9] is handled by the array growing as needed).
	slices.Sort(keys)
	root := map[string]any{}
	for _, k := range keys {
		path, err := splitKey(k)
		if err != nil {
			return nil, err
		}
		for _, v := range vals[k] {
			if err := put(root, path, k, v); err != nil {
				return nil, err
			}
		}
	}
	return root, nil
}

// splitKey splits "a[b][0][]" into ["a", "b", "0", ""].
func splitKey(k string) ([]string, error) {
	name, rest, _ := strings.Cut(k, "[")
	if name == "" {
		return nil, invalidRequest(k, "Invalid parameter name %q.", k)
	}
	path := []string{name}
	if rest == "" && !strings.Contains(k, "[") {
		return path, nil
	}
	rest = "[" + rest
	for rest != "" {
		if rest[0] != '[' {
			return nil, invalidRequest(k, "Invalid parameter name %q: brackets must enclose each part.", k)
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, invalidRequest(k, "Invalid parameter name %q: a bracket is not closed.", k)
		}
		path = append(path, rest[1:end])
		rest = rest[end+1:]
	}
	return path, nil
}

// put stores v at path in node, creating objects and arrays on the way.
func put(node map[string]any, path []string, key, v string) error {
	head, tail := path[0], path[1:]
	if len(tail) == 0 {
		if _, isStr := node[head].(string); node[head] != nil && !isStr {
			return invalidRequest(key, "Invalid value for %s: it is an object or array, and was also given a plain value.", key)
		}
		node[head] = v
		return nil
	}
	if isIndex(tail[0]) {
		arr, ok := node[head].([]any)
		if node[head] != nil && !ok {
			return invalidRequest(key, "Invalid array %s: the parameter was also given as a value or an object.", key)
		}
		arr, err := putIndex(arr, tail, key, v)
		if err != nil {
			return err
		}
		node[head] = arr
		return nil
	}
	obj, ok := node[head].(map[string]any)
	if node[head] != nil && !ok {
		return invalidRequest(key, "Invalid object %s: the parameter was also given as a value or an array.", key)
	}
	if obj == nil {
		obj = map[string]any{}
		node[head] = obj
	}
	return put(obj, tail, key, v)
}

func isIndex(s string) bool {
	if s == "" {
		return true
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

// putIndex stores v in arr at path[0] ("" appends a new element).
func putIndex(arr []any, path []string, key, v string) ([]any, error) {
	i := len(arr)
	if path[0] != "" {
		i, _ = strconv.Atoi(path[0])
		if i < 0 || i > 999 {
			return nil, invalidRequest(key, "Invalid array index in %s: indexes run from 0 to 999.", key)
		}
	}
	for len(arr) <= i {
		arr = append(arr, nil)
	}
	if len(path) == 1 {
		arr[i] = v
		return arr, nil
	}
	obj, ok := arr[i].(map[string]any)
	if arr[i] != nil && !ok {
		return nil, invalidRequest(key, "Invalid array element %s: it was also given a plain value.", key)
	}
	if obj == nil {
		obj = map[string]any{}
		arr[i] = obj
	}
	return arr, put(obj, path[1:], key, v)
}

// params reads one object of a decoded form, remembering what it read.
type params struct {
	prefix string
	m      map[string]any
	used   map[string]bool
	kids   []*params
}

func newParams(m map[string]any, prefix string) *params {
	return &params{prefix: prefix, m: m, used: map[string]bool{}}
}

// name is the full name of a parameter, as Stripe's param field shows it.
func (p *params) name(k string) string {
	if p.prefix == "" {
		return k
	}
	return p.prefix + "[" + k + "]"
}

// has reports whether a parameter was given (and marks it read).
func (p *params) has(k string) bool {
	p.used[k] = true
	_, ok := p.m[k]
	return ok
}

// str returns a plain value; an object or array there is refused.
func (p *params) str(k string) (string, bool, error) {
	p.used[k] = true
	v, ok := p.m[k]
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, invalidRequest(p.name(k), "Invalid string: %s must be a plain value, not an object or array.", p.name(k))
	}
	return s, true, nil
}

// required returns a plain value that must be given and not be empty.
func (p *params) required(k string) (string, error) {
	s, ok, err := p.str(k)
	if err != nil {
		return "", err
	}
	if !ok || s == "" {
		return "", missing(p.name(k))
	}
	return s, nil
}

// integer returns a whole number within [lo, hi]; nil when not given.
func (p *params) integer(k string, lo, hi int64) (*int64, error) {
	s, ok, err := p.str(k)
	if err != nil || !ok {
		return nil, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, &apiError{status: 400, typ: typeInvalidRequest, code: "parameter_invalid_integer", param: p.name(k),
			msg: fmt.Sprintf("Invalid integer: %s", s)}
	}
	if n < lo || n > hi {
		return nil, amountRange(p.name(k), n, lo, hi)
	}
	return &n, nil
}

// boolean returns true/false; nil when not given.
func (p *params) boolean(k string) (*bool, error) {
	s, ok, err := p.str(k)
	if err != nil || !ok {
		return nil, err
	}
	switch s {
	case "true":
		return ptr(true), nil
	case "false":
		return ptr(false), nil
	}
	return nil, &apiError{status: 400, typ: typeInvalidRequest, code: "parameter_invalid_boolean", param: p.name(k),
		msg: fmt.Sprintf("Invalid boolean: %s", s)}
}

// oneOf returns a plain value that must be one of allowed ("" when not given).
func (p *params) oneOf(k string, allowed ...string) (string, error) {
	s, ok, err := p.str(k)
	if err != nil || !ok {
		return "", err
	}
	if !slices.Contains(allowed, s) {
		return "", invalidRequest(p.name(k), "Invalid %s: must be one of %s", p.name(k), strings.Join(allowed, ", "))
	}
	return s, nil
}

// strings returns an array of plain values (payment_method_types[]).
func (p *params) strings(k string) ([]string, bool, error) {
	p.used[k] = true
	v, ok := p.m[k]
	if !ok {
		return nil, false, nil
	}
	arr, isArr := v.([]any)
	if !isArr {
		if s, isStr := v.(string); isStr && s == "" {
			return nil, true, nil // an empty value clears the array
		}
		return nil, false, invalidRequest(p.name(k), "Invalid array: %s must be an array (%s[]=...).", p.name(k), p.name(k))
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		s, isStr := e.(string)
		if !isStr {
			return nil, false, invalidRequest(fmt.Sprintf("%s[%d]", p.name(k), i), "Invalid array element %s[%d]: a plain value is expected.", p.name(k), i)
		}
		out[i] = s
	}
	return out, true, nil
}

// objects returns an array of objects (line_items[0][...]).
func (p *params) objects(k string) ([]*params, bool, error) {
	p.used[k] = true
	v, ok := p.m[k]
	if !ok {
		return nil, false, nil
	}
	arr, isArr := v.([]any)
	if !isArr {
		return nil, false, invalidRequest(p.name(k), "Invalid array: %s must be an array of objects (%s[0][...]=...).", p.name(k), p.name(k))
	}
	out := make([]*params, len(arr))
	for i, e := range arr {
		obj, isObj := e.(map[string]any)
		if !isObj {
			return nil, false, invalidRequest(fmt.Sprintf("%s[%d]", p.name(k), i), "Invalid array element %s[%d]: an object is expected.", p.name(k), i)
		}
		out[i] = p.child(obj, fmt.Sprintf("%s[%d]", p.name(k), i))
	}
	return out, true, nil
}

// object returns a nested object (price_data[...]); nil when not given.
func (p *params) object(k string) (*params, error) {
	p.used[k] = true
	v, ok := p.m[k]
	if !ok {
		return nil, nil
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		return nil, invalidRequest(p.name(k), "Invalid object: %s must be an object (%s[key]=...).", p.name(k), p.name(k))
	}
	return p.child(obj, p.name(k)), nil
}

func (p *params) child(m map[string]any, prefix string) *params {
	c := newParams(m, prefix)
	p.kids = append(p.kids, c)
	return c
}

// metadata reads Stripe's metadata: up to 50 keys of at most 40 characters,
// values of at most 500. Given is false when the request did not name it;
// an empty metadata= clears it (an empty, non-nil map).
func (p *params) metadata(k string) (map[string]string, bool, error) {
	p.used[k] = true
	v, ok := p.m[k]
	if !ok {
		return nil, false, nil
	}
	if s, isStr := v.(string); isStr {
		if s == "" {
			return map[string]string{}, true, nil
		}
		return nil, false, invalidRequest(p.name(k), "Invalid object: %s must be an object (%s[key]=value).", p.name(k), p.name(k))
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		return nil, false, invalidRequest(p.name(k), "Invalid object: %s must be an object (%s[key]=value).", p.name(k), p.name(k))
	}
	if len(obj) > 50 {
		return nil, false, invalidRequest(p.name(k), "Invalid %s: at most 50 keys are allowed.", p.name(k))
	}
	out := make(map[string]string, len(obj))
	for mk, mv := range obj {
		s, isStr := mv.(string)
		name := p.name(k) + "[" + mk + "]"
		switch {
		case !isStr:
			return nil, false, invalidRequest(name, "Invalid %s: metadata values are plain strings.", name)
		case len(mk) > 40:
			return nil, false, invalidRequest(name, "Invalid %s: metadata keys are at most 40 characters.", name)
		case len(s) > 500:
			return nil, false, invalidRequest(name, "Invalid %s: metadata values are at most 500 characters.", name)
		}
		out[mk] = s
	}
	return out, true, nil
}

// expand reads expand[] (accepted everywhere, as Stripe does).
func (p *params) expand() ([]string, error) {
	list, _, err := p.strings("expand")
	return list, err
}

// unknown returns parameter_unknown for the first parameter nothing read,
// looking into nested objects too.
func (p *params) unknown() error {
	keys := make([]string, 0, len(p.m))
	for k := range p.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !p.used[k] {
			return &apiError{status: 400, typ: typeInvalidRequest, code: "parameter_unknown", param: p.name(k),
				msg: fmt.Sprintf("Received unknown parameter: %s", p.name(k))}
		}
	}
	for _, c := range p.kids {
		if err := c.unknown(); err != nil {
			return err
		}
	}
	return nil
}

// text checks customer-facing text as the core stores it: no control
// characters or bidirectional overrides.
func (p *params) text(k string, maxLen int, multiline bool) (string, bool, error) {
	s, ok, err := p.str(k)
	if err != nil || !ok {
		return s, ok, err
	}
	if len(s) > maxLen {
		return "", false, invalidRequest(p.name(k), "Invalid %s: at most %d characters are allowed.", p.name(k), maxLen)
	}
	if r, bad := gateway.UnsafeRune(s, multiline); bad {
		return "", false, invalidRequest(p.name(k), "Invalid %s: the character %U is not allowed.", p.name(k), r)
	}
	return s, true, nil
}

func ptr[T any](v T) *T { return &v }
