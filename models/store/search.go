package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"signpost/models"
	"signpost/models/search"
	"slices"
	"strings"
	"time"
)

// Ranking weights of bm25 by column: a word in a title counts far more than one in a
// body, and a helpline's keywords count as much as its name, since they are the words
// people in need search with ("am I a paedophile") that a service's own text may not
// use. The two zeros are the unindexed item_type and item_id.
const searchWeights = "0, 0, 10, 4, 1, 2, 10" // item_type, item_id, title, summary, body, topics, keywords

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
	Type           string
	ID             int64
	Slug           string
	Title          string
	PublishedAt    *time.Time
	Score          float64
	TitleMarked    string
	SummarySnippet string
	BodySnippet    string
	TopicsSnippet  string
}

// Search returns the best matches of f.Q among the items f.Visibility may see, best
// first: ranked by bm25 with titles weighted above summaries, topics and bodies, and
// among hits of the same score, the most recently added first. It
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
	types := models.SearchTypes
	if len(f.Types) > 0 {
		for _, t := range f.Types {
			if !slices.Contains(models.SearchTypes, t) {
				return nil, models.BadParam("type", "%q is not a type of content; use %s, separated by commas", t, strings.Join(models.SearchTypes, ", "))
			}
		}
		types = f.Types
	}
	query, err := search.Parse(f.Q)
	if err != nil {
		return nil, err
	}
	expr := query.FTS5()
	now := s.now()
	codes := make([]int, len(types))
	for i, t := range types {
		codes[i] = indexSourceOf(t).code
	}
	// The ranking can take long for a common word, so it stops when the client goes;
	// the lookups after it are small (see readContext).
	rank := s.reader.WithContext(ctx)
	db := s.reader.WithContext(readContext(ctx))
	// Looking up every match's item, to see whether it may be shown, costs more than
	// ranking them all. So only the best candidates by rank (the limit and ten more)
	// are looked up, and almost always they can all be shown; when too few can, the
	// search looks further.
	var rows []searchRow
	for candidates := limit + 10; ; candidates *= 8 {
		var ranked []struct {
			RowID int64
			Score float64
		}
		if err := rank.Raw(`SELECT rowid AS row_id, -bm25(search_index, `+searchWeights+`) AS score FROM search_index
			WHERE search_index MATCH ? AND rowid % 4 IN ? ORDER BY score DESC, rowid DESC LIMIT ?`, expr, codes, candidates).Scan(&ranked).Error; err != nil {
			return nil, matchError("search", err)
		}
		score := make(map[int64]float64, len(ranked))
		byType := map[string][]int64{}
		for _, r := range ranked {
			score[r.RowID] = r.Score
			t := indexSources[r.RowID%4-1].itemType
			byType[t] = append(byType[t], r.RowID/4)
		}
		rows = rows[:0]
		for t, ids := range byType {
			src := indexSourceOf(t)
			cond, cargs := refVisible("x", f.Visibility, now)
			name := "x.title"
			if t != "article" {
				name = "x.name"
			}
			var found []searchRow
			if err := db.Raw(`SELECT x.id * 4 + ? AS row_id, ? AS type, x.id, x.slug, `+name+` AS title, x.published_at
				FROM `+src.table+` x WHERE x.id IN ? AND `+cond, append([]any{src.code, t, ids}, cargs...)...).Scan(&found).Error; err != nil {
				return nil, internal("search", err)
			}
			for _, r := range found {
				r.Score = score[r.RowID]
				rows = append(rows, r)
			}
		}
		// The ranking's own order, so that the candidates are exactly the best ones,
		// ties included.
		slices.SortFunc(rows, func(a, b searchRow) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.RowID, a.RowID))
		})
		if len(rows) >= limit || len(ranked) < candidates {
			break // enough, or every match was a candidate
		}
	}
	if len(rows) > limit {
		rows = rows[:limit]
	}
	if len(rows) > 0 {
		rowIDs := make([]int64, len(rows))
		for i, r := range rows {
			rowIDs[i] = r.RowID
		}
		var snippets []searchRow
		if err := db.Raw(`SELECT rowid AS row_id,
			highlight(search_index, 2, `+markSQL+`) AS title_marked,
			snippet(search_index, 3, `+markSQL+`, '…', `+fmt.Sprint(snippetLen)+`) AS summary_snippet,
			snippet(search_index, 4, `+markSQL+`, '…', `+fmt.Sprint(snippetLen)+`) AS body_snippet,
			snippet(search_index, 5, `+markSQL+`, '…', `+fmt.Sprint(snippetLen)+`) AS topics_snippet
			FROM search_index WHERE search_index MATCH ? AND rowid IN ?`, expr, rowIDs).Scan(&snippets).Error; err != nil {
			return nil, matchError("search", err)
		}
		byRow := make(map[int64]searchRow, len(snippets))
		for _, sn := range snippets {
			byRow[sn.RowID] = sn
		}
		for i := range rows {
			sn := byRow[rows[i].RowID]
			rows[i].TitleMarked, rows[i].SummarySnippet, rows[i].BodySnippet, rows[i].TopicsSnippet =
				sn.TitleMarked, sn.SummarySnippet, sn.BodySnippet, sn.TopicsSnippet
		}
	}
	hits := make([]models.SearchHit, len(rows))
	for i, r := range rows {
		hits[i] = models.SearchHit{
			Type: r.Type, Slug: r.Slug, Title: r.Title,
			Snippet:     markup(pickSnippet(r.TitleMarked, r.SummarySnippet, r.BodySnippet, r.TopicsSnippet)),
			Score:       math.Round(r.Score*1e4) / 1e4,
			PublishedAt: utcPtr(r.PublishedAt),
		}
	}
	return hits, nil
}

// pickSnippet chooses what to show under a hit's title: the first of the summary, body
// and topics snippets with a match in it; when only the title matched, the opening of
// the summary (or body); the marked title when there is nothing else.
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
// white space (the line breaks of a body) become one space.
func markup(s string) string {
	s = html.EscapeString(strings.Join(strings.Fields(s), " "))
	return strings.NewReplacer(markOpen, "<mark>", markClose, "</mark>").Replace(s)
}

// matchFilter returns the condition (over alias.id) and the argument that keep the
// items of itemType matching a full-text query, for the q filter of lists. It returns
// EBADPARAM for a malformed query.
func matchFilter(q, itemType, alias string) (string, any, error) {
	query, err := search.Parse(q)
	if err != nil {
		return "", nil, err
	}
	expr := query.FTS5()
	return alias + ".id IN (SELECT rowid / 4 FROM search_index WHERE search_index MATCH ? AND rowid % 4 = " + fmt.Sprint(indexSourceOf(itemType).code) + ")", expr, nil
}

// matchError turns an FTS5 error into EBADPARAM for q, in case a query the parser let
// through is still one that FTS5 refuses: the caller gets a 400, not a 500.
func matchError(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if msg := err.Error(); strings.Contains(msg, "fts5") || strings.Contains(msg, "unterminated string") {
		return models.BadParam("q", "could not be searched; %s", search.Syntax)
	}
	return internal(op, err)
}
