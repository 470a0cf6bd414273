package store

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"resetdesk/sanitize"
)

// tree is a config file decoded into plain TOML values (tables, lists, strings,
// numbers), with its keys in the order the file gives them. The config is checked from
// it key by key, so that every mistake is reported — not only the first that a decoder
// into Go types stops at, nor a different one on each run as a Go map iterates.
type tree struct {
	md   toml.MetaData
	root map[string]any
}

func decodeTree(data []byte) (*tree, error) {
	var root map[string]any
	md, err := toml.Decode(string(data), &root)
	if err != nil {
		return nil, err
	}
	return &tree{md: md, root: root}, nil
}

// keys returns the names directly under the table at path, in file order.
func (t *tree) keys(path ...string) []string {
	var out []string
	for _, k := range t.md.Keys() {
		if len(k) > len(path) && slices.Equal(k[:len(path)], path) && !slices.Contains(out, k[len(path)]) {
			out = append(out, k[len(path)])
		}
	}
	return out
}

// fill sets the fields of the struct *dst from table, whose keys are at path, key by key
// in file order, by the fields' toml tags. Each key that is unknown or holds a value of
// the wrong type is one error (and its field is left alone); the others are still set.
// skip names keys the caller reads itself. The keys it returns tell the checks that
// follow which keys the file gives and which of them were set.
func (t *tree) fill(table map[string]any, path []string, dst any, skip ...string) (keys, []error) {
	rv := reflect.ValueOf(dst).Elem()
	k := keys{table: table, failed: map[string]bool{}}
	var errs []error
	for _, key := range t.keys(path...) {
		if slices.Contains(skip, key) {
			continue
		}
		f, ok := fieldByTag(rv, key)
		if !ok {
			errs = append(errs, fmt.Errorf("unknown key %q", key))
			continue
		}
		if err := setValue(f, table[key]); err != nil {
			k.failed[key] = true
			errs = append(errs, fmt.Errorf("key %q: %v", key, err))
		}
	}
	return k, errs
}

// keys are the keys of one table of the file.
type keys struct {
	table  map[string]any
	failed map[string]bool // given, but with a value of the wrong type (already an error)
}

// set reports whether the file sets key to a value of the right type: the checks of the
// value apply.
func (k keys) set(key string) bool { _, ok := k.table[key]; return ok && !k.failed[key] }

// missing reports whether the file does not give key at all.
func (k keys) missing(key string) bool { _, ok := k.table[key]; return !ok }

func fieldByTag(rv reflect.Value, key string) (reflect.Value, bool) {
	rt := rv.Type()
	for i := range rt.NumField() {
		if tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("toml"), ","); tag == key && tag != "-" {
			return rv.Field(i), true
		}
	}
	return reflect.Value{}, false
}

var durationType = reflect.TypeFor[time.Duration]()

// setValue stores the TOML value x in f (a string, bool, int, float64, duration or list
// of strings), or says what the key takes. Strings holding a control or an invisible
// format character are refused: a name that displays as another is a trap.
func setValue(f reflect.Value, x any) error {
	switch {
	case f.Type() == durationType:
		s, ok := x.(string)
		if !ok {
			return wantGot("a duration in quotes like \"20s\", \"15m\" or \"1h\"", x)
		}
		if err := checkString(s); err != nil {
			return err
		}
		d, err := ParseDuration(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.String:
		s, ok := x.(string)
		if !ok {
			return wantGot("a string in quotes", x)
		}
		if err := checkString(s); err != nil {
			return err
		}
		f.SetString(s)
	case f.Kind() == reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return wantGot("true or false", x)
		}
		f.SetBool(b)
	case f.Kind() == reflect.Int:
		n, ok := x.(int64)
		if !ok {
			return wantGot("a whole number", x)
		}
		f.SetInt(n)
	case f.Kind() == reflect.Float64:
		switch n := x.(type) {
		case float64:
			f.SetFloat(n)
		case int64:
			f.SetFloat(float64(n))
		default:
			return wantGot("a number", x)
		}
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		list, ok := x.([]any)
		if !ok {
			return wantGot("a list of strings like [\"a\", \"b\"]", x)
		}
		out := make([]string, 0, len(list))
		for i, e := range list {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("item %d: %v", i+1, wantGot("a string in quotes", e))
			}
			if err := checkString(s); err != nil {
				return fmt.Errorf("item %d: %v", i+1, err)
			}
			out = append(out, s)
		}
		f.Set(reflect.ValueOf(out))
	default:
		panic(fmt.Sprintf("store: no config decoding for %s", f.Type()))
	}
	return nil
}

// checkString refuses a string with a control or an invisible format character.
func checkString(s string) error {
	if r, ok := sanitize.Unseen(s); ok {
		return fmt.Errorf("holds %s: retype the value without it", sanitize.Describe(r))
	}
	return nil
}

// wantGot says what a key takes and what the file gave it.
func wantGot(want string, x any) error {
	return fmt.Errorf("want %s, not %s", want, describeValue(x))
}

// describeValue names a TOML value's type, with the value when it is short.
func describeValue(x any) string {
	switch v := x.(type) {
	case string:
		if len(v) > 40 {
			return "a string"
		}
		return fmt.Sprintf("the string %q", v)
	case int64:
		return fmt.Sprintf("the whole number %d", v)
	case float64:
		return fmt.Sprintf("the number %v", v)
	case bool:
		return fmt.Sprintf("%v", v)
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "a list of tables ([[...]])"
	}
	return fmt.Sprintf("a date or time (%v)", x)
}

// table returns the value at key of parent as a table, or an error that says the key
// must be one ([profiles.NAME] tables, say).
func table(parent map[string]any, key, shape string) (map[string]any, error) {
	t, ok := parent[key].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s, not %s", shape, describeValue(parent[key]))
	}
	return t, nil
}
