package store

import (
	"fmt"
	"signpost/models"
	"signpost/models/search"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// This file holds every statement that reads the search index, SQLite's FTS5 table
// search_index (see searchindex.go). The tiers, their order, cursors and paging are in
// searchtiers.go and do not depend on it. PostgreSQL's statements are in searchpg.go:
// the functions here that a list calls hand over to them on PostgreSQL.

// tierMatch returns the FTS5 expression of the matches of q that belong to tier i:
// where q holds within the tier's columns but not within those of the tier before.
// The tiers' columns grow, so a match of an earlier tier is also one of the tier
// before, and this one expression leaves out every earlier tier.
func tierMatch(q *search.Query, i int) string {
	t := searchTiers[i]
	expr := q.FTS5()
	if t.columns != nil {
		expr = q.FTS5In(t.columns...)
	}
	if i == 0 {
		return expr
	}
	return "(" + expr + ") NOT (" + q.FTS5In(searchTiers[i-1].columns...) + ")"
}

// tierScan is the query of the items of src (as src.alias) that match q in tier,
// newest first, below the item id below (0: from the newest).
// Row id order is one FTS5 reads in either direction, and a range of row ids (the
// type's, up to below) bounds its scan, so the query reads no more matches than it
// returns, plus those the caller's conditions refuse. CROSS JOIN keeps the index the
// outer loop, so SQLite looks each match's item up by id rather than scanning items.
func tierScan(db *gorm.DB, src *indexSource, q *search.Query, tier int, below int64) *gorm.DB {
	hi := src.rowBase() + searchRowBase
	if below > 0 {
		hi = src.rowBase() + below
	}
	if isPostgres(db) {
		return tierScanPG(db, src, q, tier, hi)
	}
	return db.Table(tierFrom(src)).
		Where("search_index MATCH ? AND s.rowid > ? AND s.rowid < ?", tierMatch(q, tier), src.rowBase(), hi).
		Order("s.rowid DESC")
}

func tierFrom(src *indexSource) string {
	return "search_index s CROSS JOIN " + src.table + " " + src.alias + " ON " + src.alias + ".id = s.rowid - " + strconv.FormatInt(src.rowBase(), 10)
}

// searchHitsSQL is the statement of a search's hits in srcs (in the order of their
// codes, highest first), best first, with their marked titles and snippets: for each
// tier in turn, its matches in the types' range of row ids, highest first, which is
// each type in turn (helplines, campaigns, articles), newest first. Each match is
// joined to its item's table to see whether it may be shown. The tiers are one UNION
// ALL, which SQLite runs part by part and stops once it has the limit, so the later
// tiers are read only when the earlier ones have too few hits, and the snippets are
// made for the hits shown alone. Each part takes markedMatch's expression, now (once
// for each type, for the public only) and the limit; the statement ends with the
// limit again. It returns the row id, the score, the slug, the title, the publication
// time in one column for each type of srcs (the others are NULL), and snippetColumns.
func searchHitsSQL(srcs []*indexSource, v models.Visibility) string {
	key := fmt.Sprint(v.Editor)
	for _, src := range srcs {
		key += "," + src.itemType
	}
	if sql, ok := searchStatements.Load(key); ok {
		return sql.(string)
	}
	sql := makeSearchHitsSQL(srcs, v)
	searchStatements.Store(key, sql)
	return sql
}

// searchStatements holds the statements of searchHitsSQL, by visibility and types,
// made once: a search needs no more than a lookup.
var searchStatements sync.Map

// searchHitParts returns the pieces of a search's statement that name its sources,
// one of each a source, on either database: the CASE arms of the hit's slug and
// title, its publication time, the join of the source's table on the index's row ids,
// and the condition that the public (or an editor) may see the item.
func searchHitParts(srcs []*indexSource, v models.Visibility) (slug, title, published, joins, visible []string) {
	for _, src := range srcs {
		x := src.alias
		name := x + ".name"
		if src.itemType == "article" {
			name = x + ".title"
		}
		slug = append(slug, "WHEN "+x+".id IS NOT NULL THEN "+x+".slug")
		title = append(title, "WHEN "+x+".id IS NOT NULL THEN "+name)
		published = append(published, x+".published_at")
		joins = append(joins, fmt.Sprintf("LEFT JOIN %s %s ON s.rowid > %d AND s.rowid < %d AND %[2]s.id = s.rowid - %[3]d",
			src.table, x, src.rowBase(), src.rowBase()+searchRowBase))
		cond, _ := refVisible(x, v, time.Time{})
		visible = append(visible, "("+x+".id IS NOT NULL AND "+cond+")")
	}
	return slug, title, published, joins, visible
}

func makeSearchHitsSQL(srcs []*indexSource, v models.Visibility) string {
	slug, title, published, joins, visible := searchHitParts(srcs, v)
	lo, hi := srcs[len(srcs)-1].rowBase(), srcs[0].rowBase()+searchRowBase
	var b strings.Builder
	for i, t := range searchTiers {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, `SELECT * FROM (SELECT s.rowid, %d, CASE %s END, CASE %s END, %s, %s
			FROM search_index s %s
			WHERE search_index MATCH ? AND s.rowid > %d AND s.rowid < %d AND (%s)
			ORDER BY s.rowid DESC LIMIT ?)`,
			t.score, strings.Join(slug, " "), strings.Join(title, " "), strings.Join(published, ", "), snippetColumns(i),
			strings.Join(joins, " "), lo, hi, strings.Join(visible, " OR "))
	}
	b.WriteString(" LIMIT ?")
	return b.String()
}

// snippetColumns are the marked title and the snippets of the summary, body and
// topics (never of the keywords, which are not shown) of a hit in tier i, for
// pickSnippet. A hit with all its words in its title shows its summary, and one with
// them all in its title, summary and topics is not shown by its body: the snippets
// that would not be shown are left empty, since making one costs more than finding
// the hit. The body's opening stands in for an empty summary.
func snippetColumns(i int) string {
	snippet := func(col int) string {
		return "snippet(search_index, " + strconv.Itoa(col) + ", " + markSQL + ", '…', " + strconv.Itoa(snippetLen) + ")"
	}
	summary, body, topics := snippet(3), snippet(4), snippet(5)
	if searchTiers[i].columns != nil {
		body = "CASE WHEN s.summary = '' THEN " + body + " ELSE '' END"
		if !slices.Contains(searchTiers[i].columns, "summary") {
			topics = "''"
		}
	}
	return "highlight(search_index, 2, " + markSQL + "), " + summary + ", " + body + ", " + topics
}

// markedMatch is the expression of tier i for a search's hits, which is tierMatch's
// with, for the tiers whose terms are column-filtered, the terms the query needs
// (search.Query.FTS5Needed) added: it matches the same rows, and makes FTS5 find
// every instance of the words a hit has, in every column, so that its snippets mark
// them wherever they are. The tier's own terms are instances of the same words,
// which the snippets merge. The last tier's expression starts with the whole query.
func markedMatch(q *search.Query, i int) string {
	if searchTiers[i].columns == nil {
		return tierMatch(q, i)
	}
	return "(" + tierMatch(q, i) + ") AND (" + q.FTS5Needed() + ")"
}

// searchHitsArgs are the arguments of searchHitsSQL.
func searchHitsArgs(q *search.Query, srcs []*indexSource, v models.Visibility, now time.Time, limit int) []any {
	args := make([]any, 0, len(searchTiers)*(len(srcs)+2)+1)
	for i := range searchTiers {
		args = append(args, markedMatch(q, i))
		if !v.Editor {
			for range srcs {
				args = append(args, now)
			}
		}
		args = append(args, limit)
	}
	return append(args, limit)
}

// tierScores returns the score of each item of src that matches q in the tiers before
// the last; the other matches of q score as the last tier. It is for lists that rank
// all their matches in memory (helplines).
func tierScores(db *gorm.DB, src *indexSource, q *search.Query) (map[int64]int, error) {
	var sql []string
	var args []any
	for i, t := range searchTiers[:len(searchTiers)-1] {
		// The tier's condition: FTS5's expression, or PostgreSQL's (searchpg.go).
		cond, condArgs := "search_index MATCH ?", []any{tierMatch(q, i)}
		if isPostgres(db) {
			cond, condArgs = pgTierCond(q, i)
		}
		sql = append(sql, fmt.Sprintf(`SELECT s.rowid - %[1]d AS id, %[2]d AS score FROM search_index s
			WHERE %[4]s AND s.rowid > %[1]d AND s.rowid < %[3]d`, src.rowBase(), t.score, src.rowBase()+searchRowBase, cond))
		args = append(args, condArgs...)
	}
	var rows []struct {
		ID    int64
		Score int
	}
	if err := db.Raw(strings.Join(sql, " UNION ALL "), args...).Scan(&rows).Error; err != nil {
		return nil, matchError("rank "+src.table, err)
	}
	scores := make(map[int64]int, len(rows))
	for _, r := range rows {
		scores[r.ID] = r.Score
	}
	return scores, nil
}

// matchFilter returns the condition (over alias.id) and the argument that keep the
// items of itemType matching a full-text query, for the q filter of lists. It returns
// EBADPARAM for a malformed query.
func matchFilter(db *gorm.DB, q, itemType, alias string) (string, any, error) {
	query, err := search.Parse(q)
	if err != nil {
		return "", nil, err
	}
	src := indexSourceOf(itemType)
	if isPostgres(db) {
		return matchFilterPG(src, query, alias)
	}
	return fmt.Sprintf("%[1]s.id IN (SELECT rowid - %[2]d FROM search_index WHERE search_index MATCH ? AND rowid > %[2]d AND rowid < %[3]d)",
		alias, src.rowBase(), src.rowBase()+searchRowBase), query.FTS5(), nil
}
