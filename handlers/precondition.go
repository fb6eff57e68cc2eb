package handlers

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"
	ginjson "github.com/gin-gonic/gin/codec/json"

	"signpost/models"
)

// ePrecondRequired is the error of a write without If-Match where one is
// required (-require-if-match): 428. It is HTTP's own, so it lives here beside its
// status rather than among the domain's codes.
const ePrecondRequired = "precondition_required"

// ifMatch is a request's If-Match header (RFC 9110, section 13.1.1).
type ifMatch struct {
	present bool     // the request has the header
	any     bool     // "*": any current representation matches
	strong  []string // the listed strong tags, quotes included; weak tags never match
}

// parseIfMatch reads every If-Match header of the request as one list. A value that
// is not a list of entity tags is kept as present with no tags: it matches nothing.
func parseIfMatch(c *gin.Context) ifMatch {
	values := c.Request.Header.Values("If-Match")
	m := ifMatch{present: len(values) > 0}
	s := strings.Join(values, ",")
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return m
		}
		if s[0] == '*' {
			m.any = true
			s = s[1:]
			continue
		}
		weak := strings.HasPrefix(s, "W/")
		if weak {
			s = s[2:]
		}
		tag, rest, ok := cutEntityTag(s)
		if !ok {
			return ifMatch{present: true} // malformed: nothing can match
		}
		if !weak {
			m.strong = append(m.strong, tag)
		}
		s = rest
	}
}

// cutEntityTag reads one opaque tag, `"` etagc* `"`, from the start of s.
func cutEntityTag(s string) (tag, rest string, ok bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", s, false
	}
	for i := 1; i < len(s); i++ {
		switch b := s[i]; {
		case b == '"':
			return s[:i+1], s[i+1:], true
		case b == 0x21 || (b >= 0x23 && b <= 0x7e) || b >= 0x80:
		default:
			return "", s, false
		}
	}
	return "", s, false
}

// matches reports whether one of the listed tags is, exactly, one of the item's
// current tags (strong comparison).
func (m ifMatch) matches(current []string) bool {
	for _, t := range m.strong {
		for _, cur := range current {
			if t == cur {
				return true
			}
		}
	}
	return false
}

// currentTags returns the ETags that a GET of the item would send now: its
// editors' representation and, when it is public, its public one, each plain and,
// when the Conditional middleware would compress it, gzipped. Each is rendered
// exactly as the GET renders it and hashed like entityTag does.
func (r resource[In, M]) currentTags(ctx context.Context, cur *M) ([]string, error) {
	views := []struct {
		data    any
		version int64
	}{{r.view(cur), r.version(cur)}}
	if data, version, err := r.publicView(ctx, r.slug(cur)); err == nil {
		views = append(views, struct {
			data    any
			version int64
		}{data, version})
	} else if code := models.ErrorCode(err); code != models.ENOTFOUND && code != models.EMOVED {
		return nil, err
	}
	var tags []string
	for _, v := range views {
		body, err := ginjson.API.Marshal(ItemResponse{Data: v.data})
		if err != nil {
			return nil, err
		}
		tag := versionTag(v.version, body)
		tags = append(tags, tag)
		if len(body) >= gzipMinSize {
			tags = append(tags, gzipTag(tag))
		}
	}
	return tags, nil
}

// checkIfMatch evaluates the request's If-Match against the item cur, which exists.
// It returns the version to hand to the store, so that the write fails with 412
// if another one lands between this check and the write: cur's version when tags
// were compared, 0 for "*" or when the request has no If-Match (which -require-if-match
// refuses with 428).
func (r resource[In, M]) checkIfMatch(c *gin.Context, pre ifMatch, cur *M) (int64, error) {
	switch {
	case !pre.present && r.requireIfMatch:
		return 0, models.Errorf(ePrecondRequired,
			"This server needs If-Match on every change of an existing %s: read it, then send its ETag in If-Match.", r.itemType)
	case !pre.present || pre.any:
		return 0, nil
	}
	tags, err := r.currentTags(c.Request.Context(), cur)
	if err != nil {
		return 0, err
	}
	if !pre.matches(tags) {
		return 0, models.Errorf(models.EPRECONDITION,
			"The %s has changed since you read it (If-Match does not match its current ETag). Read it again and reapply your change.", r.itemType)
	}
	return r.version(cur), nil
}
