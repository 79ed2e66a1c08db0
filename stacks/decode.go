package stacks

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// decodeStrict decodes one structured config key into `into`, reporting
// every problem at once with its exact path (models[0].replicas, not
// models.replicas): unknown fields (a typo such as "replica" is an error,
// not an ignored setting), values of the wrong type, and a plain value
// where an object or list is expected. Nothing is decoded unless all is well.
func decodeStrict(key, raw string, into any) []error {
	var tree any
	if err := json.Unmarshal([]byte(raw), &tree); err != nil {
		return []error{Problem{Key: key, Found: "a plain value, not structured config", Expected: "a " + kindOf(reflect.TypeOf(into).Elem()) + " (set it with pulumi config set --path)"}}
	}
	var ps problems
	checkShape(&ps, key, tree, reflect.TypeOf(into).Elem())
	if len(ps) > 0 {
		return ps
	}
	if err := json.Unmarshal([]byte(raw), into); err != nil {
		return []error{Problem{Key: key, Found: err.Error(), Expected: "a valid value"}}
	}
	return nil
}

// checkShape walks the decoded JSON beside the Go type it must fill.
func checkShape(ps *problems, path string, v any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return // null: the default
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			ps.add(path, "a JSON "+jsonKind(v), "an object", "")
			return
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = t.Field(i).Type
			names = append(names, name)
		}
		for _, k := range sortedKeys(m) {
			ft, known := fields[k]
			if !known {
				ps.add(path+"."+k, "an unknown field", "one of "+strings.Join(names, ", ")+" (README, configuration reference)", "")
				continue
			}
			checkShape(ps, path+"."+k, m[k], ft)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			ps.add(path, "a JSON "+jsonKind(v), "an object", "")
			return
		}
		for _, k := range sortedKeys(m) {
			checkShape(ps, path+"."+k, m[k], t.Elem())
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			ps.add(path, "a JSON "+jsonKind(v), "a list", "")
			return
		}
		for i, e := range list {
			checkShape(ps, fmt.Sprintf("%s[%d]", path, i), e, t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			ps.add(path, "a JSON "+jsonKind(v)+" "+show(v), "a string", "")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			ps.add(path, "a JSON "+jsonKind(v)+" "+show(v), "true or false", "")
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) || f > math.MaxInt32 || f < math.MinInt32 {
			ps.add(path, "a JSON "+jsonKind(v)+" "+show(v), "an integer", "")
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonKind(v any) string {
	switch v := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if v != math.Trunc(v) {
			return "fraction"
		}
		return "number"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return "value"
}

func show(v any) string {
	raw, _ := json.Marshal(v)
	if len(raw) > 40 {
		raw = append(raw[:37], "..."...)
	}
	return string(raw)
}

func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.Kind().String()
}
