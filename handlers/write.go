package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/gin-gonic/gin"

	"signpost/models"
)

// resource is how the write handlers treat one content type: In is its write body,
// M its model.
type resource[In any, M any] struct {
	itemType string
	base     string // the collection's path, e.g. /api/v1/articles
	find     func(ctx context.Context, slug string) (*M, error)
	create   func(ctx context.Context, actor string, m *M) (*M, error)
	replace  func(ctx context.Context, actor, slug string, m *M, ifMatch int64) (*M, error)
	remove   func(ctx context.Context, actor, slug string, ifMatch int64) error
	model    func(in *In) *M
	input    func(m *M) In
	view     func(m *M) any
	version  func(m *M) int64
	slug     func(m *M) string
	// publicView reads the item as the public sees it and renders it as its public
	// GET does, for If-Match; ENOTFOUND when it is not public.
	publicView func(ctx context.Context, slug string) (view any, version int64, err error)
	// requireIfMatch refuses changes of existing items without If-Match (428).
	requireIfMatch bool
}

const versionKey = "signpost.version"

// setVersion tells the Conditional middleware the item's version, which becomes the
// first part of its ETag so that If-Match can be checked against it.
func setVersion(c *gin.Context, v int64) {
	c.Set(versionKey, v)
}

func (r resource[In, M]) handleCreate(c *gin.Context) {
	var in In
	if err := decodeBody(c, &in, false); err != nil {
		WriteError(c, err)
		return
	}
	m, err := r.create(c.Request.Context(), key(c).Name, r.model(&in))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Header("Location", r.base+"/"+r.slug(m))
	setVersion(c, r.version(m))
	c.JSON(http.StatusCreated, ItemResponse{Data: r.view(m)})
}

func (r resource[In, M]) handlePut(c *gin.Context) {
	version, err := r.precondition(c)
	if err != nil {
		WriteError(c, err)
		return
	}
	var in In
	if err := decodeBody(c, &in, false); err != nil {
		WriteError(c, err)
		return
	}
	m, err := r.replace(c.Request.Context(), key(c).Name, c.Param("slug"), r.model(&in), version)
	if err != nil {
		WriteError(c, err)
		return
	}
	setVersion(c, r.version(m))
	c.JSON(http.StatusOK, ItemResponse{Data: r.view(m)})
}

// precondition evaluates If-Match before a PUT or DELETE, and before the body is
// read (RFC 9110, section 13.2.2). A request without If-Match is unconditional
// unless -require-if-match is set: the item is then not read first, and the store
// answers 404 when there is none.
func (r resource[In, M]) precondition(c *gin.Context) (int64, error) {
	pre := parseIfMatch(c)
	if !pre.present && !r.requireIfMatch {
		return 0, nil
	}
	cur, err := r.find(c.Request.Context(), c.Param("slug"))
	if err != nil {
		return 0, writeTarget(err, r.itemType)
	}
	return r.checkIfMatch(c, pre, cur)
}

// readMergePatch reads a JSON merge patch body within the limits, and refuses one
// that is not a JSON object with a 400 before anything reads or merges it.
func readMergePatch(c *gin.Context) ([]byte, error) {
	body, err := readBody(c, true)
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, models.Errorf(models.EBADREQUEST, "A merge patch must be a JSON object.")
	}
	return body, nil
}

// patch applies a JSON merge patch (RFC 7396) to the item as an editor would write
// it, then replaces it. The replacement names the version the patch was merged with,
// so a concurrent write gets a 412 rather than being lost, with If-Match or without.
func (r resource[In, M]) handlePatch(c *gin.Context) {
	// The body is checked first, its shape and then its fields, strictly: an
	// unknown field, a wrong type or a body past the limits is refused before the
	// item is read or anything is merged. A patch has the resource's own shape
	// (null clears a field).
	body, err := readMergePatch(c)
	if err != nil {
		WriteError(c, err)
		return
	}
	var check In
	if err := decodeJSON(body, &check); err != nil {
		WriteError(c, err)
		return
	}
	ctx := c.Request.Context()
	cur, err := r.find(ctx, c.Param("slug"))
	if err != nil {
		WriteError(c, writeTarget(err, r.itemType))
		return
	}
	if _, err := r.checkIfMatch(c, parseIfMatch(c), cur); err != nil {
		WriteError(c, err)
		return
	}
	doc, err := json.Marshal(r.input(cur))
	if err != nil {
		WriteError(c, err)
		return
	}
	merged, err := jsonpatch.MergePatch(doc, body)
	if err != nil {
		WriteError(c, models.Errorf(models.EBADREQUEST, "The merge patch could not be applied."))
		return
	}
	var in In
	if err := decodeJSON(merged, &in); err != nil {
		WriteError(c, err)
		return
	}
	m, err := r.replace(ctx, key(c).Name, c.Param("slug"), r.model(&in), r.version(cur))
	if err != nil {
		WriteError(c, err)
		return
	}
	setVersion(c, r.version(m))
	c.JSON(http.StatusOK, ItemResponse{Data: r.view(m)})
}

func (r resource[In, M]) handleDelete(c *gin.Context) {
	version, err := r.precondition(c)
	if err != nil {
		WriteError(c, err)
		return
	}
	if err := r.remove(c.Request.Context(), key(c).Name, c.Param("slug"), version); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// getEditor is the read of one item with a key: drafts included, with the version
// in the ETag.
func (r resource[In, M]) getEditor(c *gin.Context) bool {
	if key(c) == nil {
		return false
	}
	m, err := r.find(c.Request.Context(), c.Param("slug"))
	if err != nil {
		WriteError(c, err)
		return true
	}
	setVersion(c, r.version(m))
	writeItem(c, r.view(m))
	return true
}

// writeTarget turns a moved item into a 404 for writes: a write must name the item
// by its current slug, not follow a redirect.
func writeTarget(err error, itemType string) error {
	var e *models.Error
	if errors.As(err, &e) && e.Code == models.EMOVED {
		return models.Errorf(models.ENOTFOUND, "No %s with that slug; it is now %q.", itemType, e.Location)
	}
	return err
}

// Limits of a write body's shape, checked before the body is decoded or merged: the
// work of both grows with the nesting and the number of members (a 60 KB body nested
// 10,000 deep cost 18 s and 400 MB in the merge). The deepest resource nests 7 levels
// (a helpline's contacts[].opening_hours.weekly[].days[]) and none needs more than a
// few hundred keys.
const (
	MaxBodyDepth  = 20
	MaxBodyKeys   = 2_000
	MaxBodyValues = 10_000
)

// checkShape reads the first JSON value of body token by token and refuses it, as
// soon as it knows, when it nests deeper than MaxBodyDepth, has more than MaxBodyKeys
// object keys or more than MaxBodyValues values (every string, number, true, false,
// null, array and object counts one). Malformed JSON is a 400. It returns the number
// of tokens it read, which the limits bound.
func checkShape(body []byte) (tokens int, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var objects []bool // for each open container: is it an object
	depth, keys, values := 0, 0, 0
	keyNext := false // the next string is an object key
	tooMuch := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		return &models.Error{Code: models.EINVALID, Message: "The body " + msg + ".",
			Fields: []models.FieldError{{Field: "body", Message: msg}}}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return tokens, nil // empty: the decoder says what is wrong
		}
		if err != nil {
			return tokens, models.Errorf(models.EBADREQUEST, "The body is not well-formed JSON.")
		}
		tokens++
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				values++
				if depth++; depth > MaxBodyDepth {
					return tokens, tooMuch("nests deeper than %d levels", MaxBodyDepth)
				}
				objects = append(objects, t == '{')
				keyNext = t == '{'
			default:
				depth--
				objects = objects[:len(objects)-1]
				keyNext = len(objects) > 0 && objects[len(objects)-1]
			}
		default:
			if keyNext {
				if keys++; keys > MaxBodyKeys {
					return tokens, tooMuch("has more than %d keys", MaxBodyKeys)
				}
				keyNext = false
				continue
			}
			values++
			keyNext = len(objects) > 0 && objects[len(objects)-1]
		}
		if values > MaxBodyValues {
			return tokens, tooMuch("has more than %d values", MaxBodyValues)
		}
		if depth == 0 {
			return tokens, nil
		}
	}
}

// readBody reads a JSON request body: 415 for another media type, 413 when too large,
// 422 for bytes that are not UTF-8 text or a shape past the limits of checkShape.
func readBody(c *gin.Context, mergePatch bool) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || !(mt == "application/json" || (mergePatch && mt == "application/merge-patch+json")) {
		want := "application/json"
		if mergePatch {
			want = "application/merge-patch+json or application/json"
		}
		return nil, models.Errorf(models.EUNSUPPORTED, "The body must be %s.", want)
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, models.Errorf(models.ETOOLARGE, "The request body is larger than %d bytes.", tooBig.Limit)
		}
		return nil, models.Errorf(models.EBADREQUEST, "The request body could not be read.")
	}
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return nil, &models.Error{Code: models.EINVALID, Message: "The body must be UTF-8 text without NUL bytes.",
			Fields: []models.FieldError{{Field: "body", Message: "is not valid UTF-8 text"}}}
	}
	if _, err := checkShape(body); err != nil {
		return nil, err
	}
	return body, nil
}

func decodeBody(c *gin.Context, v any, mergePatch bool) error {
	body, err := readBody(c, mergePatch)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// decodeJSON decodes one JSON object strictly: unknown fields are refused, so that a
// misspelt field is an error rather than silently dropped.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				field = "body"
			}
			return &models.Error{Code: models.EINVALID, Message: "A field has the wrong type.",
				Fields: []models.FieldError{{Field: field, Message: fmt.Sprintf("must be %s", jsonKind(typeErr.Type.Kind().String()))}}}
		case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return models.Errorf(models.EBADREQUEST, "The body is not well-formed JSON.")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &models.Error{Code: models.EINVALID, Message: "The body has a field this API does not know.",
				Fields: []models.FieldError{{Field: name, Message: "is not a known field"}}}
		default:
			// A value's own decoder failed (a time, say) and did not say where.
			field, leaf := failingField(body, reflect.TypeOf(v))
			msg := "has the wrong type or format"
			if leaf == timeType {
				msg = `must be an RFC 3339 time, as a string such as "2027-02-01T09:00:00Z"`
			}
			if field == "" {
				field, msg = "body", "a value has the wrong type or format (times are RFC 3339)"
			}
			return &models.Error{Code: models.EINVALID, Message: "A field has the wrong type or format.",
				Fields: []models.FieldError{{Field: field, Message: msg}}}
		}
	}
	if dec.More() {
		return models.Errorf(models.EBADREQUEST, "The body must hold exactly one JSON object.")
	}
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// failingField finds the member of the JSON value raw that cannot be decoded into a
// t, by decoding its members one at a time, and returns its path (publish_at,
// contacts[1].opening_hours) and Go type. It is for the errors of a value's own
// decoder, such as time.Time's, which do not say which field they are about. The
// path is "" when it cannot tell, or when raw is itself the value that fails.
func failingField(raw []byte, t reflect.Type) (string, reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
	case t.Kind() == reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) != nil {
			break
		}
		for _, name := range slices.Sorted(maps.Keys(members)) {
			f, ok := jsonField(t, name)
			if !ok || json.Unmarshal(members[name], reflect.New(f.Type).Interface()) == nil {
				continue
			}
			sub, leaf := failingField(members[name], f.Type)
			if sub != "" && sub[0] != '[' {
				sub = "." + sub
			}
			return name + sub, leaf
		}
	case t.Kind() == reflect.Slice:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			break
		}
		for i, item := range items {
			if json.Unmarshal(item, reflect.New(t.Elem()).Interface()) == nil {
				continue
			}
			sub, leaf := failingField(item, t.Elem())
			if sub != "" && sub[0] != '[' {
				sub = "." + sub
			}
			return fmt.Sprintf("[%d]%s", i, sub), leaf
		}
	}
	return "", t
}

// jsonField returns the field of struct type t that the JSON member name decodes
// into: its json tag's name, or failing that the same name in another case, as
// encoding/json matches.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	var folded reflect.StructField
	found := false
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f, true
		}
		if !found && strings.EqualFold(tag, name) {
			folded, found = f, true
		}
	}
	return folded, found
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value of another type"
	}
	return "a number"
}
