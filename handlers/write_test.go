package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// deepPatch is the body of the report: a 60 KB merge patch nested 10,000 levels deep
// in all (encoding/json refuses 10,001).
func deepPatch() string {
	return `{"title": ` + strings.Repeat(`{"a":`, 9_999) + `1` + strings.Repeat(`}`, 9_999) + `}`
}

// manyKeys is a patch of n unknown keys, each set to null.
func manyKeys(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":null`, i)
	}
	b.WriteString("}")
	return b.String()
}

// TestCheckShape proves the bounds of the body check: hostile bodies are refused
// after reading a number of tokens that the limits bound, whatever their size, and
// bodies within the limits pass.
func TestCheckShape(t *testing.T) {
	for _, tc := range []struct {
		name      string
		body      string
		msg       string // the field message, "" for none
		maxTokens int
	}{
		{"ErrDeepPatch", deepPatch(), "nests deeper than 20 levels", 2*MaxBodyDepth + 2}, // a key and a { a level
		{"ErrDeepArrays", strings.Repeat("[", 500_000), "nests deeper than 20 levels", MaxBodyDepth + 1},
		{"ErrManyKeys", manyKeys(40_000), "has more than 2000 keys", 2*MaxBodyKeys + 2},
		{"ErrManyValues", `{"regions": [` + strings.Repeat(`"a",`, 100_000) + `"a"]}`, "has more than 10000 values", MaxBodyValues + 3},
		{"OKAtTheDepth", strings.Repeat("[", MaxBodyDepth) + strings.Repeat("]", MaxBodyDepth), "", 2 * MaxBodyDepth},
		{"OKAtTheKeys", manyKeys(MaxBodyKeys), "", 2*MaxBodyKeys + 2},
		{"OKOnlyTheFirstValue", `{"a": 1} ` + strings.Repeat("[", 1000), "", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tokens, err := checkShape([]byte(tc.body))
			if tokens > tc.maxTokens {
				t.Errorf("read %d tokens, want at most %d", tokens, tc.maxTokens)
			}
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("checkShape: %v", err)
				}
				return
			}
			e, ok := err.(*models.Error)
			if !ok || e.Code != models.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "body" || e.Fields[0].Message != tc.msg {
				t.Fatalf("checkShape: %#v, want EINVALID on body: %q", err, tc.msg)
			}
		})
	}
	if _, err := checkShape([]byte(`{"a": [1, 2}`)); models.ErrorCode(err) != models.EBADREQUEST {
		t.Errorf("malformed JSON: %v, want EBADREQUEST", err)
	}
}

// TestPatchChecksFirst proves that a merge patch is checked before the item is read
// or anything merged: the hostile bodies never reach find (and so never the merge),
// and neither does a patch naming an unknown field.
func TestPatchChecksFirst(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"ErrDeepPatch", deepPatch(), http.StatusUnprocessableEntity},
		{"ErrManyKeys", manyKeys(40_000), http.StatusUnprocessableEntity},
		{"ErrUnknownField", `{"titel": null}`, http.StatusUnprocessableEntity},
		{"ErrWrongType", `{"title": 5}`, http.StatusUnprocessableEntity},
		{"ErrNotAnObject", `[1]`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			finds := 0
			r := resource[ArticleInput, models.Article]{
				itemType: "article",
				find: func(context.Context, string) (*models.Article, error) {
					finds++
					return &models.Article{Slug: "a", Title: "A", Version: 1}, nil
				},
				input: articleInput,
			}
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodPatch, "/api/v1/articles/a", strings.NewReader(tc.body))
			c.Request.Header.Set("Content-Type", "application/merge-patch+json")
			r.handlePatch(c)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d: %s", w.Code, tc.status, w.Body.String())
			}
			if finds != 0 {
				t.Errorf("the item was read %d times before the patch was refused, want 0", finds)
			}
		})
	}
}
