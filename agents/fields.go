package agents

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Field is one setting of an algorithm's Settings, named as its command-line flag: the
// config.json key with "_" written "-", the objects it sits in left out (train.lr and
// ppo.lr would both be --lr), except where a struct field's `flag:"prefix-"` tag gives
// a prefix (td3's set.embed is --set-embed) or a `flagname:"name"` tag another name. A
// `flag:"-"` tag leaves a field out, as do env and env_options (the environment flags
// set them) and maps.
//
// Fields lets every hyper-parameter be a flag as well as a config key without a line
// per setting: the CLI applies a flag given on the command line over the config file
// with Set, so defaults < config file < flags is one mechanism for every algorithm.
type Field struct {
	Flag string // the flag name
	Key  string // the config.json path, e.g. "ppo.lr"
	Kind string // bool, int, float, string, ints or floats (comma-separated lists)
	// Min, from a `min:"1"` tag, is the least value a flag or a config file may give a
	// number whose zero value means its default: an explicit 0 is refused rather than
	// silently read as the default.
	Min  *float64
	root reflect.Value
	path []int // field indices from root; nil pointers on the way are allocated by Set
}

// Fields lists the settings of s (a pointer to a struct) in declaration order. A flag
// name that two fields would share goes to the first.
func Fields(s any) []Field {
	var out []Field
	root := reflect.ValueOf(s).Elem()
	walkFields(root, root.Type(), nil, "", "", &out, map[string]bool{})
	return out
}

func walkFields(root reflect.Value, t reflect.Type, path []int, keyPrefix, flagPrefix string, out *[]Field, seen map[string]bool) {
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		flagTag := sf.Tag.Get("flag")
		if !sf.IsExported() || name == "-" || name == "" || flagTag == "-" || name == "env" || name == "env_options" {
			continue
		}
		p := append(append([]int(nil), path...), i)
		key := keyPrefix + name
		ft := sf.Type
		if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			walkFields(root, ft, p, key+".", flagPrefix+flagTag, out, seen)
			continue
		}
		kind := fieldKind(sf.Type)
		flag := flagPrefix + strings.ReplaceAll(name, "_", "-")
		if n := sf.Tag.Get("flagname"); n != "" {
			flag = n
		}
		if kind == "" || seen[flag] {
			continue
		}
		seen[flag] = true
		fd := Field{Flag: flag, Key: key, Kind: kind, root: root, path: p}
		if m, err := strconv.ParseFloat(sf.Tag.Get("min"), 64); err == nil {
			fd.Min = &m
		}
		*out = append(*out, fd)
	}
}

func fieldKind(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64, reflect.Uint64:
		return "int"
	case reflect.Float64:
		return "float"
	case reflect.String:
		return "string"
	case reflect.Slice:
		switch t.Elem().Kind() {
		case reflect.Int:
			return "ints"
		case reflect.Float64:
			return "floats"
		}
	}
	return ""
}

// Set parses text as the field's value and stores it.
func (f Field) Set(text string) error {
	if f.Min != nil {
		if x, err := strconv.ParseFloat(text, 64); err == nil && x < *f.Min {
			return fmt.Errorf("--%s %s: must be at least %g", f.Flag, text, *f.Min)
		}
	}
	v := f.root
	for _, i := range f.path {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return setValue(v, text, f.Flag, f.Kind)
}

// String is the field's current value as text ("" for an unset pointer).
func (f Field) String() string {
	v := f.root
	if !v.IsValid() {
		return ""
	}
	for _, i := range f.path {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return ""
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	return fmt.Sprint(v.Interface())
}

func setValue(v reflect.Value, text, flag, kind string) error {
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		if err := setValue(p.Elem(), text, flag, kind); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	bad := func(error) error { return fmt.Errorf("invalid argument %q for --%s: want %s", text, flag, kind) }
	switch v.Kind() {
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return bad(err)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(text, 10, v.Type().Bits())
		if err != nil {
			return bad(err)
		}
		v.SetInt(n)
	case reflect.Uint64:
		n, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return bad(err)
		}
		v.SetUint(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return bad(err)
		}
		v.SetFloat(x)
	case reflect.String:
		v.SetString(text)
	case reflect.Slice:
		parts := strings.Split(text, ",")
		s := reflect.MakeSlice(v.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setValue(s.Index(i), strings.TrimSpace(p), flag, kind); err != nil {
				return bad(err)
			}
		}
		v.Set(s)
	}
	return nil
}

// checkMinimums refuses a config document (the algorithm's sections of config.json)
// that gives a field with a `min` tag a smaller value, naming the key.
func checkMinimums(settings any, doc []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil // the strict decoder has said what is wrong
	}
	for _, f := range Fields(settings) {
		if f.Min == nil {
			continue
		}
		var v any = raw
		for _, k := range strings.Split(f.Key, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[k]
		}
		if x, ok := v.(float64); ok && x < *f.Min {
			return fmt.Errorf("%s %v: must be at least %g", f.Key, x, *f.Min)
		}
	}
	return nil
}
