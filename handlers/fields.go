package handlers

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// listParams adds the parameters every list takes to a list's own.
func listParams(names ...string) []string {
	return append(names, "limit", "cursor", "fields")
}

// sparse applies the fields parameter to a list's data: each item keeps only the
// named fields, in the order given. data must be a slice of structs with json tags;
// a name that is not one of their fields is an EBADPARAM error.
func sparse(c *gin.Context, data any) (any, error) {
	raw := c.Query("fields")
	if raw == "" {
		if _, given := c.GetQuery("fields"); given {
			return nil, models.BadParam("fields", "must not be empty")
		}
		return data, nil
	}
	known := jsonFields(reflect.TypeOf(data).Elem())
	var names []string
	for _, n := range strings.Split(raw, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(known, n) {
			return nil, models.BadParam("fields", "unknown field %q; the fields are %s", n, strings.Join(known, ", "))
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	v := reflect.ValueOf(data)
	out := make([]json.RawMessage, v.Len())
	for i := range out {
		b, err := json.Marshal(v.Index(i).Interface())
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		buf.WriteByte('{')
		first := true
		for _, n := range names {
			val, ok := m[n]
			if !ok {
				continue // an omitempty field that is empty
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			name, _ := json.Marshal(n)
			buf.Write(name)
			buf.WriteByte(':')
			buf.Write(val)
		}
		buf.WriteByte('}')
		out[i] = buf.Bytes()
	}
	return out, nil
}

// jsonFields returns the JSON names of a struct type's fields.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}
