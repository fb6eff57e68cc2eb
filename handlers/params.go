package handlers

import (
	"net/url"
	"signpost/models/slug"
	"slices"
	"strconv"
	"strings"
	"time"

	"signpost/models"
)

// query reads a request's query parameters, refusing unknown and repeated ones so
// that a typo never silently returns everything.
type query struct {
	values url.Values
}

func parseQuery(u *url.URL, allowed ...string) (query, error) {
	v, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return query{}, models.BadParam("query", "the query string is not well formed")
	}
	for name, vals := range v {
		if !slices.Contains(allowed, name) {
			msg := "unknown parameter"
			if len(allowed) > 0 {
				msg += "; this endpoint takes " + strings.Join(allowed, ", ")
			}
			return query{}, models.BadParam(name, "%s", msg)
		}
		if len(vals) > 1 {
			return query{}, models.BadParam(name, "given more than once")
		}
	}
	return query{values: v}, nil
}

// str returns a parameter's value; a parameter given but empty is an error, since it
// most likely means a client bug.
func (q query) str(name string) (string, error) {
	vals, ok := q.values[name]
	if !ok {
		return "", nil
	}
	if vals[0] == "" {
		return "", models.BadParam(name, "must not be empty")
	}
	if len(vals[0]) > 500 {
		return "", models.BadParam(name, "must be at most 500 characters")
	}
	return vals[0], nil
}

// slug returns a parameter that must be a slug.
func (q query) slug(name string) (string, error) {
	s, err := q.str(name)
	if err != nil || s == "" {
		return s, err
	}
	if !slug.Valid(s) {
		return "", models.BadParam(name, "%q is not a slug (lower-case letters, digits and hyphens)", s)
	}
	return s, nil
}

func (q query) limit() (int, error) {
	s, err := q.str("limit")
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > models.MaxLimit {
		return 0, models.BadParam("limit", "must be a whole number from 1 to %d", models.MaxLimit)
	}
	return n, nil
}

// time parses a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
func (q query) time(name string) (*time.Time, error) {
	s, err := q.str(name)
	if err != nil || s == "" {
		return nil, err
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, models.BadParam(name, "must be a date (2027-01-31) or an RFC 3339 time (2027-01-31T09:00:00Z)")
	}
	t = t.UTC()
	return &t, nil
}

// instant parses an RFC 3339 time. The store checks that it is within
// models.AtRange of now; the zero time, which it cannot tell from a time not
// given, is refused here.
func (q query) instant(name string) (time.Time, error) {
	s, err := q.str(name)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, models.BadParam(name, "must be an RFC 3339 time, e.g. 2027-03-28T01:30:00Z")
	}
	if t.IsZero() {
		return time.Time{}, models.BadParam(name, "must be within %s of now", models.AtRange)
	}
	return t.UTC(), nil
}

func (q query) boolean(name string) (bool, error) {
	s, err := q.str(name)
	if err != nil || s == "" {
		return false, err
	}
	switch s {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, models.BadParam(name, "must be true or false")
}

func (q query) oneOf(name string, allowed ...string) (string, error) {
	s, err := q.str(name)
	if err != nil || s == "" {
		return s, err
	}
	if !slices.Contains(allowed, s) {
		return "", models.BadParam(name, "must be one of %s", strings.Join(allowed, ", "))
	}
	return s, nil
}

// sort reads a list's sort parameter: relevance, or own, the name of the list's own
// order. It returns the store's value: relevance when asked for, and when it is not
// but the list has a search (search, its q); "" for the list's own order. Relevance
// without a search is an error naming sort.
func (q query) sort(search, own string) (string, error) {
	s, err := q.oneOf("sort", models.SortRelevance, own)
	switch {
	case err != nil:
		return "", err
	case s == models.SortRelevance && search == "":
		return "", models.BadParam("sort", "%s needs q, the words to search for", models.SortRelevance)
	case s == models.SortRelevance || s == "" && search != "":
		return models.SortRelevance, nil
	}
	return "", nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
