package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"signpost/models"
	"strings"
)

// cursorKey authenticates cursors against accidental or deliberate edits. Cursors are
// positions, not secrets: the key only lets us reject a cursor we did not make with a
// clear 400 instead of serving a surprising page.
var cursorKey = []byte("signpost cursor v1")

// cursor is a keyset position: the sort key and id of the last item of a page, and the
// list it belongs to, so that a cursor from one list is refused by another.
type cursor struct {
	List string `json:"l"`
	Key  string `json:"k"`
	ID   int64  `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	m := hmac.New(sha256.New, cursorKey)
	m.Write(b)
	sum := m.Sum(nil)[:8]
	return base64.RawURLEncoding.EncodeToString(append(b, sum...))
}

// decodeCursor parses a cursor made by encodeCursor for the given list. A cursor that
// is truncated, edited or made for another list is an EBADPARAM error for "cursor".
func decodeCursor(s, list string) (cursor, error) {
	var c cursor
	bad := models.BadParam("cursor", "not a cursor from this list; use next_cursor from a previous page")
	if s == "" || len(s) > 512 || strings.ContainsAny(s, "=+/") {
		return c, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 9 {
		return c, bad
	}
	body, sum := raw[:len(raw)-8], raw[len(raw)-8:]
	m := hmac.New(sha256.New, cursorKey)
	m.Write(body)
	if !hmac.Equal(sum, m.Sum(nil)[:8]) {
		return c, bad
	}
	if err := json.Unmarshal(body, &c); err != nil || c.List != list || c.ID <= 0 {
		return c, bad
	}
	return c, nil
}
