package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"signpost/handlers"
	"signpost/models"
	"signpost/models/search"
	"signpost/models/store"
	"signpost/models/store/pgtest"
)

// onceForBoth skips a test that opens both stores itself in the second pass of
// pgtest.Both, on PostgreSQL: it has run in the first.
func onceForBoth(t *testing.T) {
	if pgtest.OnPostgres() {
		t.Skip("compares SQLite with PostgreSQL: runs once, in the pass on SQLite")
	}
}

// mustMigratedPG returns the URL of a new PostgreSQL database with the migrations
// applied.
func mustMigratedPG(tb testing.TB) string {
	tb.Helper()
	u := pgtest.MustDatabase(tb)
	if _, err := store.MigrateDatabase(context.Background(), store.Config{DB: u, Now: func() time.Time { return epoch }}); err != nil {
		tb.Fatal(err)
	}
	return u
}

// TestPostgresSearchFold proves that the document of PostgreSQL's search index holds
// the words SQLite's tokenizer makes: for every rune below U+20000 between two
// letters, to_tsvector('simple', search_fold(…)) gives the words of search.Fold.
func TestPostgresSearchFold(t *testing.T) {
	onceForBoth(t)
	u := mustMigratedPG(t)
	pg := mustPG(t, u)
	var texts []string
	for r := rune(1); r < 0x20000; r++ {
		if utf8.ValidRune(r) {
			texts = append(texts, "x"+string(r)+"y")
		}
	}
	start := time.Now()
	rows, err := pg.Query(`SELECT t, array_to_string(tsvector_to_array(to_tsvector('simple', search_fold(t))), ' ') FROM unnest($1::text[]) t`, texts)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	bad := 0
	for rows.Next() {
		var in, got string
		if err := rows.Scan(&in, &got); err != nil {
			t.Fatal(err)
		}
		words := strings.Fields(search.Fold(in))
		slices.Sort(words)
		want := strings.Join(slices.Compact(words), " ")
		if got != want && bad < 30 {
			bad++
			r, _ := utf8.DecodeRuneInString(in[1:])
			t.Errorf("%U: PostgreSQL %q, Fold %q", r, got, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d runes in %v", len(texts), time.Since(start))
}

// parityDocs is a small corpus of index rows (title, summary, body, topics,
// keywords) with the text that tokenizers read differently: diacritics, combining
// marks, capitals beyond ASCII, apostrophes, dashes, e-mail addresses, hosts, paths,
// numbers with points, markup, ligatures, emoji, and phrases that could run from
// one column into the next.
var parityDocs = [][5]string{
	{"Crème brûlée night", "Café owners meet.", "Write to info@example.org or see www.stop-it-now.org.uk/help.", "Food", ""},
	{"Stop It Now!", "Confidential helpline", "Lucy Faithfull Foundation 0808 1000 900", "Prevention", "am I a paedophile worried"},
	{"O'Brien’s report — don’t miss it", "Child-abuse images: a summary", "images child-abuse then ΩMEGA ΣΊΣΥΦΟΣ İstanbul straße", "", ""},
	{"Zebrafish", "zebrafish harbour", "harbour zebrafish", "Coast", ""},
	{"Notes", "cre\u0300me and naïve", "x🙂y 1e5 3.14 v1.2.3 /usr/local/bin C:\\Temp\\x", "", ""},
	{"Week of", "action now", "Week of action", "", ""},
	{"Markup", "<b>bold</b> &amp; tags", "<script>alert('x')</script> a&b a|b !c (d) 'e' f:*", "", ""},
	{"ﬁre ǅungla Ⅻ ٣ ß", "", "", "", "now"},
	{"", "", strings.Repeat("filler ", 40) + "needle at the end.", "", ""},
}

// parityQueries are searches whose matches both stores must agree on, with
// nastyQueries.
var parityQueries = []string{
	"creme", "crème", "CRÈME", "cafe", "Café", "café*", "caf*", "brulee", "naive", "cre\u0300me",
	"e-mail", `"info example org"`, "example", "org", "uk", "stop-it-now", "info@example.org", "www", "help",
	"o'brien", "brien", "don", "t", "miss it", "omega", "ωmega", "ΩMEGA", "σισυφοσ", "ΣΊΣΥΦΟΣ", "istanbul", "İstanbul", "straße", "strasse",
	"images child", `"images child"`, `"child abuse"`, "child-abuse", `"abuse images"`,
	`"of action"`, `"week of action"`, `"week of" action`, `"now confidential"`, `"it now"`, `"now am"`, "now",
	"zebrafish NOT harbour", "zebrafish harbour", "harbour OR paedophile", "paed*", "worr*", `"am i a paed"*`,
	"x🙂y", "x", "1e5", "3.14", "v1", "usr", "temp", "fire", "ﬁre", "ǆungla", "ǅUNGLA", "xii", "Ⅻ", "٣", "ss", "ß",
	"bold", "b", "amp", "tags", "script", "alert", "a&b", "a|b", "!c", "(d)", "'e'", "f:*", "needle", `"the end"`,
	"stop AND (now OR it) NOT paedophile", "(zebrafish OR creme) NOT (harbour OR night)", "filler NOT needle",
	strings.Repeat("zebrafish OR ", 31) + "creme", strings.Repeat("é", 250),
}

// TestPostgresSearchParity proves that PostgreSQL matches what SQLite's FTS5
// matches: every query of parityQueries and nastyQueries, in each search tier and
// as a whole, finds the same rows of parityDocs on both, and to_tsquery accepts
// every rendering. It also proves the snippets made in Go are FTS5's own for the
// same terms: Highlight as highlight(), Snippet as snippet().
func TestPostgresSearchParity(t *testing.T) {
	onceForBoth(t)
	ctx := context.Background()
	lite, err := store.Open(ctx, store.Config{DB: filepath.Join(t.TempDir(), "parity.db"), Now: func() time.Time { return epoch }, Render: handlers.Renderer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg := mustPG(t, mustMigratedPG(t))
	var ins []string
	for i, d := range parityDocs {
		q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
		ins = append(ins, fmt.Sprintf("(%d, 'article', %d, %s, %s, %s, %s, %s)", 1000000000001+i, i+1, q(d[0]), q(d[1]), q(d[2]), q(d[3]), q(d[4])))
	}
	insert := "INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics, keywords) VALUES " + strings.Join(ins, ", ")
	if err := store.WriterExec(ctx, lite, "DELETE FROM search_index; "+insert); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Exec(insert); err != nil {
		t.Fatal(err)
	}
	liteDB, _ := lite.Pools()
	ids := func(db *sql.DB, query string, arg string) ([]int64, error) {
		rows, err := db.Query(query, arg)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id-1000000000000)
		}
		return out, rows.Err()
	}
	matched := 0
	for _, q := range append(slices.Clone(parityQueries), nastyQueries...) {
		fts5, tsq, err := store.TierQueries(q)
		if err != nil {
			mustBadParam(t, err, "q")
			continue
		}
		whole, _ := store.ParseQuery(q)
		wholeTS, _ := store.ParseTSQuery(q)
		for i := range len(fts5) + 1 {
			f, p, name := whole, wholeTS, "whole"
			if i < len(fts5) {
				f, p, name = fts5[i], tsq[i], fmt.Sprint("tier ", i)
			}
			want, err := ids(liteDB, `SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid`, f)
			if err != nil {
				t.Fatalf("q=%q %s: SQLite refuses %s: %v", q, name, f, err)
			}
			got, err := ids(pg, `SELECT rowid FROM search_index WHERE document @@ to_tsquery('simple', $1) ORDER BY rowid`, p)
			if err != nil {
				t.Fatalf("q=%q %s: PostgreSQL refuses %s: %v", q, name, p, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("q=%q %s: PostgreSQL finds %v (%s), SQLite %v (%s)", q, name, got, p, want, f)
			}
			if i == len(fts5) {
				matched += len(want)
			}
		}
		paritySnippets(t, liteDB, q)
	}
	t.Logf("%d rows matched", matched)
	if matched < 100 {
		t.Errorf("the queries matched %d rows in all: too few to prove much", matched)
	}
}

// paritySnippets compares the Go snippets of q with FTS5's over the rows of the
// index that q's needed terms match.
func paritySnippets(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	query, err := search.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	needed := query.FTS5Needed()
	rows, err := db.Query(`SELECT title, summary, body, highlight(search_index, 2, '[', ']'),
		snippet(search_index, 3, '[', ']', '…', 8), snippet(search_index, 4, '[', ']', '…', 8)
		FROM search_index WHERE search_index MATCH ? ORDER BY rowid`, needed)
	if err != nil {
		t.Fatalf("q=%q: %v", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		var title, summary, body, hl, s1, s2 string
		if err := rows.Scan(&title, &summary, &body, &hl, &s1, &s2); err != nil {
			t.Fatal(err)
		}
		if got := query.Highlight(title, "[", "]"); got != hl {
			t.Errorf("q=%q: Highlight(%q) = %q, FTS5 %q", q, title, got, hl)
		}
		for _, c := range []struct{ text, want string }{{summary, s1}, {body, s2}} {
			if got := query.Snippet(c.text, "[", "]", "…", 8); got != c.want {
				t.Errorf("q=%q: Snippet(%q) = %q, FTS5 %q", q, c.text, got, c.want)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestPostgresSearchSameHits proves that a search answers the same on both stores:
// with the seed content on each, every query below gives the same hits in the same
// order, with the same scores and snippets, for the public and for editors, and the
// lists with q and sort=relevance the same pages.
func TestPostgresSearchSameHits(t *testing.T) {
	onceForBoth(t)
	ctx := context.Background()
	open := func(db string) *store.Store {
		c := store.NewClock(epoch)
		s, err := store.Open(ctx, store.Config{DB: db, Now: c.Now, Render: handlers.Renderer{}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if loaded, err := s.Seed(ctx); err != nil || !loaded {
			t.Fatalf("seed: %v, %v", loaded, err)
		}
		// An article long enough for the snippets to choose a window.
		long := strings.Repeat("Officers met families. ", 30) + "A zebrafish — or “Zébrafish” — was found: officers said so. " +
			strings.Repeat("The harbour is quiet. ", 30) + "More zebrafish news at www.example.org."
		if _, err := s.CreateArticle(ctx, "test", &models.Article{Title: "Harbour news", Summary: "Notes from the harbour.",
			BodyMarkdown: long, Status: models.StatusPublished}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	lite := open(filepath.Join(t.TempDir(), "same.db"))
	pg := open(pgtest.MustDatabase(t))
	hits, windows := 0, 0
	queries := append([]string{"abuse", "police", "child*", "report", "helpline", `"stop it now"`, "cumbria", "safeguard*",
		"online NOT police", "children OR images", "0808", "anonymous*", "zebrafish", "zebrafish officers", "harbour",
		"example", "zebrafish NOT harbour", "officers OR harbour", "crimestoppers", "faithfull", "week of action"}, parityQueries...)
	for _, q := range queries {
		for _, v := range []models.Visibility{{}, {Editor: true}} {
			f := models.SearchFilter{Q: q, Limit: 100, Visibility: v}
			want, err := lite.Search(ctx, f)
			if err != nil {
				mustBadParam(t, err, "q")
				continue
			}
			got, err := pg.Search(ctx, f)
			if err != nil {
				t.Fatalf("q=%q on PostgreSQL: %v", q, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("q=%q editor=%v:\nPostgreSQL %+v\nSQLite     %+v", q, v.Editor, got, want)
			}
			for _, h := range want {
				hits++
				if strings.HasPrefix(h.Snippet, "…") {
					windows++
				}
			}
		}
		if _, err := search.Parse(q); err != nil {
			continue
		}
		for _, limit := range []int{2, 20} {
			want := walkPages(t, limit, func(cursor string) (models.Page[models.Article], error) {
				return lite.FindArticles(ctx, models.ArticleFilter{Q: q, Sort: models.SortRelevance, Limit: limit, Cursor: cursor})
			})
			got := walkPages(t, limit, func(cursor string) (models.Page[models.Article], error) {
				return pg.FindArticles(ctx, models.ArticleFilter{Q: q, Sort: models.SortRelevance, Limit: limit, Cursor: cursor})
			})
			if !slices.Equal(slugsOf(got), slugsOf(want)) {
				t.Errorf("articles q=%q limit %d: PostgreSQL %v, SQLite %v", q, limit, slugsOf(got), slugsOf(want))
			}
		}
		for _, sort := range []string{"", models.SortRelevance} {
			wantH, err1 := lite.FindHelplines(ctx, models.HelplineFilter{Q: q, Sort: sort})
			gotH, err2 := pg.FindHelplines(ctx, models.HelplineFilter{Q: q, Sort: sort})
			if err1 != nil || err2 != nil {
				t.Fatalf("helplines q=%q: %v, %v", q, err1, err2)
			}
			wantC, err1 := lite.FindCampaigns(ctx, models.CampaignFilter{Q: q, Sort: sort})
			gotC, err2 := pg.FindCampaigns(ctx, models.CampaignFilter{Q: q, Sort: sort})
			if err1 != nil || err2 != nil {
				t.Fatalf("campaigns q=%q: %v, %v", q, err1, err2)
			}
			slugs := func(items ...string) string { return strings.Join(items, " ") }
			var a, b, c, d []string
			for _, h := range wantH.Items {
				a = append(a, h.Slug)
			}
			for _, h := range gotH.Items {
				b = append(b, h.Slug)
			}
			for _, x := range wantC.Items {
				c = append(c, x.Slug)
			}
			for _, x := range gotC.Items {
				d = append(d, x.Slug)
			}
			if slugs(a...) != slugs(b...) || slugs(c...) != slugs(d...) {
				t.Errorf("lists q=%q sort=%q: helplines PostgreSQL %v, SQLite %v; campaigns PostgreSQL %v, SQLite %v", q, sort, b, a, d, c)
			}
		}
	}
	// The comparison proves something only if there were hits, some with a snippet
	// from within a long text.
	t.Logf("%d hits compared, %d of them with a snippet cut from within a text", hits, windows)
	if hits < 200 || windows < 10 {
		t.Errorf("%d hits, %d from within a text: too few to prove much", hits, windows)
	}
}

// BenchmarkSearchStores times a search on each store over generated content (10,000
// articles): a rare word, a common one, a prefix and a NOT. Run it by hand:
// go test -tags sqlite_fts5 ./models/store -run '^$' -bench SearchStores -benchtime 200x
func BenchmarkSearchStores(b *testing.B) {
	if pgtest.OnPostgres() {
		b.Skip("opens both stores itself")
	}
	ctx := context.Background()
	for _, name := range []string{"sqlite", "postgres"} {
		db := filepath.Join(b.TempDir(), "bench.db")
		if name == "postgres" {
			db = pgtest.MustDatabase(b)
		}
		s, err := store.Open(ctx, store.Config{DB: db, Now: func() time.Time { return epoch }, Render: handlers.Renderer{}})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Seed(ctx); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := s.Generate(ctx, store.GenerateConfig{Articles: 10000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: 10,000 articles generated and indexed in %v", name, time.Since(start))
		for _, q := range []string{store.SyntheticWord(200), store.SyntheticWord(0), store.SyntheticWord(3)[:4] + "*", store.SyntheticWord(0) + " NOT " + store.SyntheticWord(1)} {
			b.Run(name+"/"+q, func(b *testing.B) {
				for range b.N {
					if _, err := s.Search(ctx, models.SearchFilter{Q: q}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
