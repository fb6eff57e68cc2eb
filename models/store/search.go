package store

import (
	"cmp"
	"context"
	"errors"
	"signpost/models"
	"signpost/models/search"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Snippet markers: private-use characters, which are removed from indexed text so that
// only FTS5 puts them there. They become <mark> and </mark> after HTML escaping.
const (
	markOpen   = "\ue000"
	markClose  = "\ue001"
	markSQL    = "char(57344), char(57345)"
	snippetLen = 32 // tokens
)

type searchRow struct {
	RowID          int64
	Score          int
	Slug           string
	Title          string
	PublishedAt    *time.Time
	TitleMarked    string
	SummarySnippet string
	BodySnippet    string
	TopicsSnippet  string
}

// Search returns the best matches of f.Q among the items f.Visibility may see, in the
// relevance order (see searchtiers.go): by tier, the hit's score; within a tier,
// helplines, then campaigns, then articles, each the most recently added first. It
// returns the top f.Limit hits only; there are no further pages. It returns EBADPARAM
// (naming q, type or limit) for a malformed query, an unknown type or a bad limit.
func (s *Store) Search(ctx context.Context, f models.SearchFilter) ([]models.SearchHit, error) {
	limit, err := clampLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f.Q) == "" {
		return nil, models.BadParam("q", "is required: the words to search for; %s", search.Syntax)
	}
	for _, t := range f.Types {
		if !slices.Contains(models.SearchTypes, t) {
			return nil, models.BadParam("type", "%q is not a type of content; use %s, separated by commas", t, strings.Join(models.SearchTypes, ", "))
		}
	}
	query, err := search.Parse(f.Q)
	if err != nil {
		return nil, err
	}
	// The types' rows in the order of their codes, highest first: the order of the
	// hits of a tier.
	var srcs []*indexSource
	for i := range indexSources {
		if len(f.Types) == 0 || slices.Contains(f.Types, indexSources[i].itemType) {
			srcs = append(srcs, &indexSources[i])
		}
	}
	slices.SortFunc(srcs, func(a, b *indexSource) int { return cmp.Compare(b.code, a.code) })
	// The statement runs to its end even when the client goes (see readContext): it
	// reads the matches of its page, not every match.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rows []searchRow
	if s.dialect == postgresDialect {
		rows, err = s.searchRowsPG(ctx, query, srcs, f.Visibility, limit)
	} else {
		rows, err = s.searchRowsFTS5(ctx, query, srcs, f.Visibility, limit)
	}
	if err != nil {
		return nil, err
	}
	hits := make([]models.SearchHit, len(rows))
	for i, r := range rows {
		src, _ := sourceOfRow(r.RowID)
		hits[i] = models.SearchHit{
			Type: src.itemType, Slug: r.Slug, Title: r.Title,
			Snippet:     markup(pickSnippet(r.TitleMarked, r.SummarySnippet, r.BodySnippet, r.TopicsSnippet)),
			Score:       float64(r.Score),
			PublishedAt: utcPtr(r.PublishedAt),
		}
	}
	return hits, nil
}

// searchRowsFTS5 reads the rows of a search's hits from SQLite's FTS5 index, with
// their marked titles and snippets.
func (s *Store) searchRowsFTS5(ctx context.Context, query *search.Query, srcs []*indexSource, v models.Visibility, limit int) ([]searchRow, error) {
	// It goes to the reader's pool of prepared statements as it is: gorm's building
	// of it would cost a tenth of the search.
	rs, err := s.reader.ConnPool.QueryContext(readContext(ctx), searchHitsSQL(srcs, v),
		searchHitsArgs(query, srcs, v, s.now(), limit)...)
	if err != nil {
		return nil, matchError("search", err)
	}
	defer rs.Close()
	// Scanned by hand: reflection costs more than the rows. The publication time
	// comes in one column for each type, NULL in the others'.
	var r searchRow
	published := make([]*time.Time, len(srcs))
	dest := []any{&r.RowID, &r.Score, &r.Slug, &r.Title}
	for i := range published {
		dest = append(dest, &published[i])
	}
	dest = append(dest, &r.TitleMarked, &r.SummarySnippet, &r.BodySnippet, &r.TopicsSnippet)
	rows := make([]searchRow, 0, limit)
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return nil, internal("search", err)
		}
		r.PublishedAt = nil
		for _, t := range published {
			r.PublishedAt = cmp.Or(r.PublishedAt, t)
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return nil, matchError("search", err)
	}
	return rows, nil
}

// pickSnippet chooses what to show under a hit's title: the first of the summary, body
// and topics snippets with a match in it (of those made, see snippetColumns); else
// the opening of the summary (or body); the marked title when there is nothing else.
func pickSnippet(title string, snippets ...string) string {
	for _, s := range snippets {
		if strings.Contains(s, markOpen) {
			return s
		}
	}
	for _, s := range snippets[:2] {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return title
}

// markup escapes a snippet for HTML and turns the markers into <mark> elements, so
// that markup in content (a <script> in a title) is shown as text, never run. Runs of
// white space (the line breaks of a body) become one space. It escapes as
// html.EscapeString does, in one pass, since it runs on every hit.
func markup(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 64)
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch r {
		case '\ue000':
			b.WriteString("<mark>")
		case '\ue001':
			b.WriteString("</mark>")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\'':
			b.WriteString("&#39;")
		case '"':
			b.WriteString("&#34;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// matchError turns an FTS5 error into EBADPARAM for q, in case a query the parser let
// through is still one that FTS5 refuses: the caller gets a 400, not a 500.
func matchError(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if msg := err.Error(); strings.Contains(msg, "fts5") || strings.Contains(msg, "unterminated string") || strings.Contains(msg, "tsquery") {
		return models.BadParam("q", "could not be searched; %s", search.Syntax)
	}
	return internal(op, err)
}
