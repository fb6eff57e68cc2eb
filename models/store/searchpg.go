package store

import (
	"cmp"
	"context"
	"fmt"
	"signpost/models"
	"signpost/models/search"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// This file holds the statements that read PostgreSQL's search index: the table
// search_index of migrations 0003 and 0007, whose document is the weighted tsvector
// of the folded columns (title and keywords A, summary B, topics C, body D). The tiers,
// their order, cursors and paging are searchtiers.go's, as on SQLite: a tier's
// columns are its weights, and its matches are read in row id order, helplines,
// then campaigns, then articles, the newest first. Queries go to to_tsquery as
// bound text that search.Query writes (TSQuery), never as a user's text. Snippets
// are made in Go for the hits shown (search.Query.Snippet), as FTS5 makes them.

// columnWeights are the document's weight labels of the index's columns.
var columnWeights = map[string]string{"title": "A", "keywords": "A", "summary": "B", "topics": "C", "body": "D"}

// tierWeights returns the labels of tier i's columns, such as "ABC"; "" for the
// last tier, which holds anywhere.
func tierWeights(i int) string {
	var labels []string
	for _, c := range searchTiers[i].columns {
		labels = append(labels, columnWeights[c])
	}
	slices.Sort(labels)
	return strings.Join(slices.Compact(labels), "")
}

// pgTierQuery returns the tsquery text of the matches of q that belong to tier i:
// where q holds within the tier's weights but not within those of the tier before,
// as tierMatch does for FTS5. "" matches nothing (to_tsquery makes an empty query
// of it, which matches no document).
func pgTierQuery(q *search.Query, i int) string {
	expr := q.TSQuery()
	if w := tierWeights(i); w != "" {
		expr = q.TSQueryIn(w)
	}
	if expr == "" || i == 0 {
		return expr
	}
	return "(" + expr + ") & !(" + q.TSQueryIn(tierWeights(i-1)) + ")"
}

// tierWords are the columns of the words of each tier's columns (migration 0007), by
// tier; the last tier's are the document's.
var tierWords = []string{"title_words", "summary_words", ""}

// pgTierCond is the condition (over search_index s) of the matches of q in tier i,
// and its arguments. Before the last tier, the tier's words must hold the words the
// query needs, which the index of those words finds, and then the document must hold
// the tier's query, which takes its weights: the document's index knows no weights,
// so alone it would leave PostgreSQL to read every document in row id order to find
// a tier's few matches.
func pgTierCond(q *search.Query, i int) (string, []any) {
	return pgTierSQL(i), pgTierArgs(q, i)
}

// pgTierSQL is the text of pgTierCond.
func pgTierSQL(i int) string {
	if tierWords[i] == "" {
		return "s.document @@ to_tsquery('simple', ?)"
	}
	return "s." + tierWords[i] + " @@ to_tsquery('simple', ?) AND s.document @@ to_tsquery('simple', ?)"
}

// pgTierArgs are the arguments of pgTierCond.
func pgTierArgs(q *search.Query, i int) []any {
	if tierWords[i] == "" {
		return []any{pgTierQuery(q, i)}
	}
	return []any{q.TSQueryNeeded(), pgTierQuery(q, i)}
}

// tierScanPG is tierScan on PostgreSQL, with hi the row id the scan stays below.
func tierScanPG(db *gorm.DB, src *indexSource, q *search.Query, tier int, hi int64) *gorm.DB {
	from := fmt.Sprintf("search_index s JOIN %s %s ON %[2]s.id = s.rowid - %d", src.table, src.alias, src.rowBase())
	cond, args := pgTierCond(q, tier)
	return db.Table(from).Where(cond, args...).
		Where("s.rowid > ? AND s.rowid < ?", src.rowBase(), hi).
		Order("s.rowid DESC")
}

// matchFilterPG is matchFilter on PostgreSQL.
func matchFilterPG(src *indexSource, q *search.Query, alias string) (string, any, error) {
	return fmt.Sprintf("%[1]s.id IN (SELECT rowid - %[2]d FROM search_index WHERE document @@ to_tsquery('simple', ?) AND rowid > %[2]d AND rowid < %[3]d)",
		alias, src.rowBase(), src.rowBase()+searchRowBase), q.TSQuery(), nil
}

// searchRowsPG reads the rows of a search's hits from PostgreSQL's index, as
// searchRowsFTS5 does from SQLite's, and makes their marked titles and snippets.
func (s *Store) searchRowsPG(ctx context.Context, query *search.Query, srcs []*indexSource, v models.Visibility, limit int) ([]searchRow, error) {
	args := make([]any, 0, len(searchTiers)*(len(srcs)+2)+1)
	for i := range searchTiers {
		args = append(args, pgTierArgs(query, i)...)
		if !v.Editor {
			for range srcs {
				args = append(args, s.now())
			}
		}
		args = append(args, limit)
	}
	args = append(args, limit)
	rs, err := s.reader.ConnPool.QueryContext(readContext(ctx), searchHitsPG(srcs, v), args...)
	if err != nil {
		return nil, matchError("search", err)
	}
	defer rs.Close()
	var r searchRow
	var title, summary, body, topics string
	published := make([]*time.Time, len(srcs))
	dest := []any{&r.RowID, &r.Score, &r.Slug, &r.Title}
	for i := range published {
		dest = append(dest, &published[i])
	}
	dest = append(dest, &title, &summary, &body, &topics)
	rows := make([]searchRow, 0, limit)
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return nil, internal("search", err)
		}
		r.PublishedAt = nil
		for _, t := range published {
			r.PublishedAt = cmp.Or(r.PublishedAt, t)
		}
		snippet := func(text string) string {
			if text == "" {
				return ""
			}
			return query.Snippet(text, markOpen, markClose, "…", snippetLen)
		}
		// The statement leaves out the texts whose snippets are not made (see
		// snippetColumns): their snippets stay empty.
		r.TitleMarked = query.Highlight(title, markOpen, markClose)
		r.SummarySnippet, r.BodySnippet, r.TopicsSnippet = snippet(summary), snippet(body), snippet(topics)
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return nil, matchError("search", err)
	}
	return rows, nil
}

// searchHitsPG is the statement of a search's hits on PostgreSQL, as searchHitsSQL
// is SQLite's: the tiers' matches in turn, each in the types' range of row ids,
// highest first, joined to their items for visibility, in one UNION ALL that stops
// once it has the limit. It returns the row id, the score, the slug, the title, the
// publication time in one column for each type of srcs, and the index's title,
// summary, body and topics, the last two empty where their snippets are not made.
// Each part takes pgTierCond's arguments, now (once for each type, for the public
// only) and the limit; the statement ends with the limit again.
func searchHitsPG(srcs []*indexSource, v models.Visibility) string {
	key := fmt.Sprint("postgres,", v.Editor)
	for _, src := range srcs {
		key += "," + src.itemType
	}
	if sql, ok := searchStatements.Load(key); ok {
		return sql.(string)
	}
	slug, title, published, joins, visible := searchHitParts(srcs, v)
	lo, hi := srcs[len(srcs)-1].rowBase(), srcs[0].rowBase()+searchRowBase
	var b strings.Builder
	for i, t := range searchTiers {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		cond := pgTierSQL(i)
		body, topics := "s.body", "s.topics"
		if t.columns != nil {
			body = "CASE WHEN s.summary = '' THEN s.body ELSE '' END"
			if !slices.Contains(t.columns, "summary") {
				topics = "''"
			}
		}
		fmt.Fprintf(&b, `SELECT * FROM (SELECT s.rowid, %d AS score, CASE %s END AS slug, CASE %s END AS name, %s,
			s.title, s.summary, %s AS body, %s AS topics
			FROM search_index s %s
			WHERE %s AND s.rowid > %d AND s.rowid < %d AND (%s)
			ORDER BY s.rowid DESC LIMIT ?) AS tier%d`,
			t.score, strings.Join(slug, " "), strings.Join(title, " "), strings.Join(published, ", "), body, topics,
			strings.Join(joins, " "), cond, lo, hi, strings.Join(visible, " OR "), i)
	}
	b.WriteString(" LIMIT ?")
	sql := rebind(b.String())
	searchStatements.Store(key, sql)
	return sql
}
