package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
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
	ifMatch, err := parseIfMatch(c)
	if err != nil {
		WriteError(c, err)
		return
	}
	var in In
	if err := decodeBody(c, &in, false); err != nil {
		WriteError(c, err)
		return
	}
	m, err := r.replace(c.Request.Context(), key(c).Name, c.Param("slug"), r.model(&in), ifMatch)
	if err != nil {
		WriteError(c, err)
		return
	}
	setVersion(c, r.version(m))
	c.JSON(http.StatusOK, ItemResponse{Data: r.view(m)})
}

// patch applies a JSON merge patch (RFC 7396) to the item as an editor would write
// it, then replaces it. Without If-Match the patch applies to the version it was
// merged with, so a concurrent write still gets a 412 rather than being lost.
func (r resource[In, M]) handlePatch(c *gin.Context) {
	ifMatch, err := parseIfMatch(c)
	if err != nil {
		WriteError(c, err)
		return
	}
	body, err := readBody(c, true)
	if err != nil {
		WriteError(c, err)
		return
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		WriteError(c, models.Errorf(models.EBADREQUEST, "A merge patch must be a JSON object."))
		return
	}
	// A patch has the resource's own shape (null clears a field), so it is decoded
	// strictly before the merge: an unknown field or a wrong type is refused without
	// reading the item or merging anything.
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
	if ifMatch != 0 && ifMatch != r.version(cur) {
		WriteError(c, models.Errorf(models.EPRECONDITION, "The %s has changed since you read it. Read it again and reapply your change.", r.itemType))
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
	ifMatch, err := parseIfMatch(c)
	if err != nil {
		WriteError(c, err)
		return
	}
	if err := r.remove(c.Request.Context(), key(c).Name, c.Param("slug"), ifMatch); err != nil {
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

// parseIfMatch returns the version named by If-Match, 0 when there is none or it is
// "*". A tag we did not make cannot match: 412.
func parseIfMatch(c *gin.Context) (int64, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	tag := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, _, _ := strings.Cut(tag, ".")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, models.Errorf(models.EPRECONDITION, "If-Match does not match the current ETag.")
	}
	return n, nil
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
			return &models.Error{Code: models.EINVALID, Message: "The body could not be read as this resource.",
				Fields: []models.FieldError{{Field: "body", Message: "a value has the wrong format (times are RFC 3339)"}}}
		}
	}
	if dec.More() {
		return models.Errorf(models.EBADREQUEST, "The body must hold exactly one JSON object.")
	}
	return nil
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
