package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// The TOML decoder stops at the first value of the wrong type. So that
// kith config check reports every problem in one pass, Parse then decodes
// the file again key by key: each mistyped key is reported and keeps its
// default, and the other keys are decoded and checked as usual.

// decodeEachKey decodes data into cfg one key at a time. It returns the
// keys whose values had the wrong type, and an error for each of them and
// for each unknown key, in the order of the file.
func decodeEachKey(name string, data []byte, cfg *Config) (mistyped map[string]bool, errs Errors) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, Errors{{File: name, Msg: strings.TrimPrefix(err.Error(), "toml: ")}}
	}
	var top map[string]toml.Primitive
	md, _ := toml.Decode(string(data), &top) // it decoded into raw just now
	mistyped = map[string]bool{}
	fail := func(path []string, msg string) {
		errs = append(errs, &Error{File: name, Line: keyLine(data, path), Key: strings.Join(path, "."), Msg: msg})
	}
	v := reflect.ValueOf(cfg).Elem()
	for _, tname := range sortedKeys(raw) {
		table, ok := fieldByTag(v, tname)
		rawTable, isTable := raw[tname].(map[string]any)
		switch {
		case !ok:
			fail([]string{tname}, unknownKey)
			continue
		case !isTable:
			mistyped[tname] = true
			fail([]string{tname}, fmt.Sprintf("must be a table ([%s]), not %s", tname, tomlType(raw[tname])))
			continue
		}
		var keys map[string]toml.Primitive
		md.PrimitiveDecode(top[tname], &keys) // a table: checked above
		for _, kname := range sortedKeys(rawTable) {
			path := []string{tname, kname}
			f, ok := fieldByTag(table, kname)
			if !ok {
				fail(path, unknownKey)
				continue
			}
			def := reflect.New(f.Type()).Elem()
			def.Set(f)
			if err := md.PrimitiveDecode(keys[kname], f.Addr().Interface()); err != nil {
				f.Set(def)
				mistyped[tname+"."+kname] = true
				fail(path, typeMessage(f.Type(), rawTable[kname], err))
			}
		}
	}
	slices.SortStableFunc(errs, func(a, b *Error) int { return a.Line - b.Line })
	return mistyped, errs
}

// unknownKey is the message for a key kith does not read.
const unknownKey = "unknown key (see config.example.toml for the keys kith reads)"

// fieldByTag is the field of struct v whose toml tag is name.
func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	for i := range v.NumField() {
		if v.Type().Field(i).Tag.Get("toml") == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// typeMessage says what a key's value must be, and what it is.
func typeMessage(want reflect.Type, got any, err error) string {
	msg := "must be " + goType(want)
	if g := tomlType(got); g != goType(want) && !strings.HasPrefix(goType(want), g) {
		return msg + ", not " + g
	}
	// The right kind of value holding the wrong kind (a table of numbers
	// where strings go): the decoder's words.
	detail := err.Error()
	if _, after, ok := strings.Cut(detail, "): "); ok {
		detail = after
	}
	return msg + ": " + detail
}

// goType names a config field's type as a TOML value.
func goType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Slice:
		return "an array of " + strings.TrimPrefix(goType(t.Elem()), "a ") + "s"
	case reflect.Map:
		return "a table of " + strings.TrimPrefix(goType(t.Elem()), "a ") + "s"
	}
	return t.String()
}

// tomlType names the type of a decoded TOML value.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "true or false"
	case int64:
		return "an integer"
	case float64:
		return "a number with a fraction"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}
