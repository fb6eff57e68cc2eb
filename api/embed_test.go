package main

// End-to-end tests of the partner embed over HTTP (issue 6): the iframe page, the
// script and its JSON, oEmbed, their headers, sizes, wording and errors. The browser
// tests, which render both widgets in Chromium, are in embed_browser_test.go.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"signpost/models/hours"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"golang.org/x/net/html"

	"signpost/handlers"
	"signpost/widget"
)

func init() {
	// The document describes the page and the script as strings; kin-openapi reads
	// them as text, so the check covers status, media type and headers.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/javascript", openapi3filter.PlainBodyDecoder)
}

// Size budgets of the issue, before compression.
const (
	embedPageBudget   = 15 * 1024 // the iframe page with four cards
	embedScriptBudget = 10 * 1024 // helplines.js
)

// Moments in London (GMT in February 2027, so UTC).
var (
	embedMonday10  = time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)  // Stop It Now! open until 9pm
	embedFriday18  = time.Date(2027, 2, 5, 18, 0, 0, 0, time.UTC)  // closed since 5pm, opens Monday 9am
	embedSunday12  = time.Date(2027, 2, 7, 12, 0, 0, 0, time.UTC)  // closed, opens tomorrow 9am
	embedThursday8 = time.Date(2027, 2, 4, 8, 30, 0, 0, time.UTC)  // closed, opens 9am today
	embedJulyMon   = time.Date(2027, 7, 5, 8, 30, 0, 0, time.UTC)  // 9:30 BST on a Monday: open
	embedJulyFri   = time.Date(2027, 7, 9, 16, 30, 0, 0, time.UTC) // 17:30 BST on a Friday: closed
)

// embedDoc is a parsed HTML page with the few queries the tests need.
type embedDoc struct {
	root *html.Node
	raw  string
}

func mustParseHTML(tb testing.TB, body []byte) *embedDoc {
	tb.Helper()
	root, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		tb.Fatalf("parse HTML: %v", err)
	}
	return &embedDoc{root: root, raw: string(body)}
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	return slices.Contains(strings.Fields(v), class)
}

// all returns the elements for which match is true, in document order.
func (d *embedDoc) all(match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	return out
}

func (d *embedDoc) byClass(class string) []*html.Node {
	return d.all(func(n *html.Node) bool { return hasClass(n, class) })
}

func (d *embedDoc) byTag(tag string) []*html.Node {
	return d.all(func(n *html.Node) bool { return n.Data == tag })
}

// text is the text content of n with white space collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func texts(ns []*html.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = text(n)
	}
	return out
}

// card is what a test reads off one card of the page.
type card struct {
	name   string
	badges []string
	links  map[string][2]string // visible text → href, accessible name
	node   *html.Node
}

func (d *embedDoc) cards() []card {
	var out []card
	for _, n := range d.byClass("sp-card") {
		sub := &embedDoc{root: n}
		c := card{node: n, links: map[string][2]string{}}
		if names := sub.byClass("sp-name"); len(names) == 1 {
			c.name = text(names[0])
		}
		c.badges = texts(sub.byClass("sp-b"))
		for _, a := range sub.byTag("a") {
			href, _ := attr(a, "href")
			label, _ := attr(a, "aria-label")
			c.links[text(a)] = [2]string{href, label}
		}
		out = append(out, c)
	}
	return out
}

func cardNames(cs []card) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}

func findCard(tb testing.TB, cs []card, name string) card {
	tb.Helper()
	for _, c := range cs {
		if c.name == name {
			return c
		}
	}
	tb.Fatalf("no card %q among %q", name, cardNames(cs))
	return card{}
}

// mustEmbedPage GETs an embed page and checks what every page must be.
func mustEmbedPage(tb testing.TB, app *testApp, query string) (*embedDoc, *http.Response) {
	tb.Helper()
	resp := app.Get(tb, "/embed/helplines"+query)
	MustStatus(tb, resp, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		tb.Errorf("Content-Type %q", ct)
	}
	body := ReadBody(tb, resp)
	doc := mustParseHTML(tb, body)
	if h := doc.byTag("html"); len(h) != 1 || func() string { v, _ := attr(h[0], "lang"); return v }() != "en-GB" {
		tb.Errorf("the page must be <html lang=\"en-GB\">")
	}
	checkEmbedScript(tb, doc, resp.Header.Get("Content-Security-Policy"))
	for _, n := range doc.all(func(n *html.Node) bool { _, ok := attr(n, "style"); return ok }) {
		tb.Errorf("inline style attribute on <%s>: the CSP allows only the hashed <style> element", n.Data)
	}
	return doc, resp
}

// checkEmbedScript checks the page's JavaScript: the height script alone, last in
// the body, and with the quick exit also the exit's, after the exit link that works
// without it; the CSP allows each by its hash and nothing else.
func checkEmbedScript(tb testing.TB, doc *embedDoc, csp string) {
	tb.Helper()
	scripts := doc.byTag("script")
	exit := doc.byClass("sp-exit")
	var scriptSrc []string
	for d := range strings.SplitSeq(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 && f[0] == "script-src" {
			scriptSrc = f[1:]
		}
	}
	want := []string{widget.FrameScript}
	wantSrc := []string{widget.FrameScriptHash}
	if len(exit) > 0 {
		want = []string{widget.ExitScript, widget.FrameScript}
		wantSrc = append(wantSrc, widget.ExitScriptHash)
	}
	if len(scripts) != len(want) {
		tb.Fatalf("%d <script> elements, want %d (the height script, and the quick exit's with the exit link)", len(scripts), len(want))
	}
	for i, s := range scripts {
		if len(s.Attr) != 0 || s.FirstChild == nil || s.FirstChild.Data != want[i] {
			tb.Errorf("<script> element %d is not exactly the expected inline script", i)
			continue
		}
		sum := sha256.Sum256([]byte(s.FirstChild.Data))
		if got := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !slices.Contains(scriptSrc, got) {
			tb.Errorf("<script> element %d hashes to %s, which the CSP's script-src %q does not allow", i, got, scriptSrc)
		}
	}
	if !slices.Equal(scriptSrc, wantSrc) {
		tb.Errorf("CSP script-src %q, want %q: the hashes alone (no 'unsafe-inline')", scriptSrc, wantSrc)
	}
	if strings.Contains(csp, "unsafe-") {
		tb.Errorf("CSP %q", csp)
	}
	if !strings.HasSuffix(strings.TrimSpace(doc.raw), "</footer>\n<script>"+widget.FrameScript+"</script>\n</body>\n</html>") {
		tb.Error("the height script must come last, after the footer")
	}
	if len(exit) == 0 {
		return
	}
	// The link comes first and works on its own: in the whole window, without the
	// page's address.
	if target, _ := attr(exit[0], "target"); target != "_top" || strings.Index(doc.raw, `class="sp-exit"`) > strings.Index(doc.raw, "<script") {
		tb.Errorf("the exit link must come before the script and have target=\"_top\" (%q)", target)
	}
}

func TestEmbedPage(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		app := MustStartApp(t)
		doc, resp := mustEmbedPage(t, app, "?region=cumbria")

		h := resp.Header
		wantCSP := "default-src 'none'; script-src " + widget.FrameScriptHash + "; style-src " + widget.StyleHash + "; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors *"
		if got := h.Get("Content-Security-Policy"); got != wantCSP {
			t.Errorf("Content-Security-Policy\n got %q\nwant %q", got, wantCSP)
		}
		for name, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
			if got := h.Get(name); got != want {
				t.Errorf("%s %q, want %q", name, got, want)
			}
		}
		for _, name := range []string{"Set-Cookie", "X-Frame-Options"} {
			if v := h.Values(name); len(v) > 0 {
				t.Errorf("%s must not be sent: %q", name, v)
			}
		}
		if h.Get("ETag") == "" || h.Get("Cache-Control") == "" {
			t.Errorf("ETag %q, Cache-Control %q: want both", h.Get("ETag"), h.Get("Cache-Control"))
		}

		// The one <style> element is the one the CSP hash allows.
		styles := doc.byTag("style")
		if len(styles) != 1 {
			t.Fatalf("%d <style> elements, want 1", len(styles))
		}
		sum := sha256.Sum256([]byte(styles[0].FirstChild.Data))
		if got := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; got != widget.StyleHash {
			t.Errorf("the <style> element hashes to %s, the CSP allows %s", got, widget.StyleHash)
		}

		// Emergency line above the cards, from the data.
		em := doc.byClass("sp-em")
		if len(em) != 1 {
			t.Fatalf("%d emergency sections, want 1", len(em))
		}
		emDoc := &embedDoc{root: em[0]}
		links := emDoc.byTag("a")
		if len(links) == 0 || text(links[0]) != "999" {
			t.Fatalf("the emergency section's first link is %q, want 999", texts(links))
		}
		if href, _ := attr(links[0], "href"); href != "tel:999" {
			t.Errorf("999 links to %q", href)
		}
		if label, _ := attr(links[0], "aria-label"); label != "Call Emergency services (999) on 999" {
			t.Errorf("999's accessible name is %q", label)
		}
		if !strings.Contains(doc.raw, "sp-em") || strings.Index(doc.raw, "sp-em") > strings.Index(doc.raw, "sp-card") {
			t.Error("the emergency section must come before the cards")
		}

		// The cards: emergency lines are not repeated; all are open at 10:00 on a
		// Monday, so they come by name.
		cards := doc.cards()
		want := []string{"Crimestoppers", "Police non-emergency number (101)", "Stop It Now! helpline"}
		if got := cardNames(cards); !slices.Equal(got, want) {
			t.Fatalf("cards %q, want %q", got, want)
		}
		sin := findCard(t, cards, "Stop It Now! helpline")
		if !slices.Equal(sin.badges, []string{"Open now — closes 9pm", "Anonymous", "Confidential"}) {
			t.Errorf("Stop It Now! badges %q", sin.badges)
		}
		if l := sin.links["0808 1000 900"]; l != [2]string{"tel:+448081000900", "Call Stop It Now! helpline on 0808 1000 900"} {
			t.Errorf("Stop It Now! phone link %q", l)
		}
		chat := sin.links["Live chat on stopitnow.org.uk"]
		if chat[0] != "https://stopitnow.org.uk" || !strings.Contains(chat[1], "Live chat on stopitnow.org.uk") || !strings.HasSuffix(chat[1], "(opens in a new tab)") {
			t.Errorf("Stop It Now! chat link %q", chat)
		}
		if !strings.Contains(text(sin.node), "Who it is for: Adult survivors of child sexual abuse, People worried about") || !strings.Contains(text(sin.node), "Professionals") {
			t.Errorf("the card does not say who the line is for: %q", text(sin.node))
		}
		if !strings.Contains(text(sin.node), "Hours: Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)") {
			t.Errorf("the card does not give the hours as text: %q", text(sin.node))
		}
		if !strings.Contains(text(sin.node), "Hours: not published") {
			t.Errorf("the chat's own unknown hours are not said: %q", text(sin.node))
		}
		cs := findCard(t, cards, "Crimestoppers")
		if !slices.Equal(cs.badges, []string{"Open 24 hours", "Anonymous"}) {
			t.Errorf("Crimestoppers badges %q", cs.badges)
		}
		p101 := findCard(t, cards, "Police non-emergency number (101)")
		if l := p101.links["18001 101"]; l[1] != "Call Police non-emergency number (101) by textphone on 18001 101" {
			t.Errorf("textphone link %q", l)
		}

		// Links: calls replace the whole window (not the frame), web links open a tab
		// without telling the other site where they came from.
		for _, a := range doc.byTag("a") {
			href, _ := attr(a, "href")
			target, _ := attr(a, "target")
			rel, _ := attr(a, "rel")
			label, _ := attr(a, "aria-label")
			switch {
			case strings.HasPrefix(href, "http"):
				if target != "_blank" || rel != "noopener noreferrer" {
					t.Errorf("%s: target %q rel %q, want _blank and noopener noreferrer", href, target, rel)
				}
			default:
				if target != "_top" {
					t.Errorf("%s: target %q, want _top", href, target)
				}
			}
			if label != "" && !strings.Contains(label, text(a)) {
				t.Errorf("accessible name %q does not contain the visible text %q (WCAG 2.5.3)", label, text(a))
			}
		}

		// oEmbed discovery.
		var discovery string
		for _, l := range doc.byTag("link") {
			if rel, _ := attr(l, "rel"); rel == "alternate" {
				if typ, _ := attr(l, "type"); typ == "application/json+oembed" {
					discovery, _ = attr(l, "href")
				}
			}
		}
		// The public URL is not set, so the links take the request's own.
		wantDiscovery := app.URL + "/oembed?" + url.Values{"format": {"json"},
			"url": {app.URL + "/embed/helplines?region=cumbria"}}.Encode()
		if discovery != wantDiscovery {
			t.Errorf("oEmbed discovery link %q, want %q", discovery, wantDiscovery)
		}
		if len(doc.byClass("sp-exit")) != 0 {
			t.Error("the quick exit is opt-in")
		}
		if b := doc.byTag("body"); hasClass(b[0], "sp-dark") {
			t.Error("the default theme is light")
		}
	})

	t.Run("OKOpeningStates", func(t *testing.T) {
		tests := []struct {
			name string
			at   time.Time
			want string
		}{
			{"OpenUntil9pm", embedMonday10, "Open now — closes 9pm"},
			{"ClosedFridayEvening", embedFriday18, "Closed — opens Monday 9am"},
			{"ClosedSunday", embedSunday12, "Closed — opens tomorrow 9am"},
			{"ClosedEarlyMorning", embedThursday8, "Closed — opens 9am"},
			{"OpenSummerTime", embedJulyMon, "Open now — closes 9pm"},
			{"ClosedSummerFriday", embedJulyFri, "Closed — opens Monday 9am"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				clock := newTestClock(testEpoch)
				app := MustStartApp(t, WithClock(clock))
				clock.Set(tt.at)
				doc, _ := mustEmbedPage(t, app, "")
				sin := findCard(t, doc.cards(), "Stop It Now! helpline")
				if sin.badges[0] != tt.want {
					t.Errorf("badge %q, want %q", sin.badges[0], tt.want)
				}
				// The same moment given as at, on a clock that says otherwise.
				clock.Set(embedMonday10)
				doc, _ = mustEmbedPage(t, app, "?at="+tt.at.Format(time.RFC3339))
				if got := findCard(t, doc.cards(), "Stop It Now! helpline").badges[0]; got != tt.want {
					t.Errorf("with at: badge %q, want %q", got, tt.want)
				}
			})
		}
	})

	t.Run("OKOpenFirst", func(t *testing.T) {
		clock := newTestClock(testEpoch)
		app := MustStartApp(t, WithClock(clock))
		clock.Set(embedSunday12)
		doc, _ := mustEmbedPage(t, app, "")
		if got, want := cardNames(doc.cards()), []string{"Crimestoppers", "Police non-emergency number (101)", "Stop It Now! helpline"}; !slices.Equal(got, want) {
			t.Errorf("cards %q, want %q", got, want)
		}
		doc, _ = mustEmbedPage(t, app, "?open_now=true")
		if got := cardNames(doc.cards()); slices.Contains(got, "Stop It Now! helpline") {
			t.Errorf("open_now shows a closed line: %q", got)
		}
	})

	t.Run("OKUnknownHours", func(t *testing.T) {
		app := MustStartApp(t)
		app.MustInsertHelpline(t, HelplineRow{Slug: "no-hours", Name: "A line without hours", Coverage: []string{"united-kingdom"}, Contacts: []string{"web"}})
		doc, _ := mustEmbedPage(t, app, "?limit=20")
		c := findCard(t, doc.cards(), "A line without hours")
		if !slices.Equal(c.badges, []string{"Hours not published"}) {
			t.Errorf("badges %q", c.badges)
		}
	})

	t.Run("OKDarkQuickExit", func(t *testing.T) {
		app := MustStartApp(t)
		doc, resp := mustEmbedPage(t, app, "?theme=dark&quick_exit=1")
		if b := doc.byTag("body"); !hasClass(b[0], "sp-dark") {
			t.Error("theme=dark: body has no sp-dark")
		}
		exit := doc.byClass("sp-exit")
		if len(exit) != 1 {
			t.Fatalf("%d exit links", len(exit))
		}
		for name, want := range map[string]string{"href": handlers.DefaultQuickExitURL, "target": "_top", "rel": "noreferrer"} {
			if got, _ := attr(exit[0], name); got != want {
				t.Errorf("exit link %s %q, want %q", name, got, want)
			}
		}
		if text(exit[0]) != "Exit this page" {
			t.Errorf("exit link text %q", text(exit[0]))
		}
		if !strings.Contains(doc.raw, `<body class="sp sp-dark">`+"\n<header>\n<a class=\"sp-exit\"") {
			t.Error("the exit link must come first, in a header")
		}
		// With the quick exit, and only then, the CSP allows its script by hash.
		wantCSP := "default-src 'none'; script-src " + widget.FrameScriptHash + " " + widget.ExitScriptHash + "; style-src " + widget.StyleHash + "; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors *"
		if got := resp.Header.Get("Content-Security-Policy"); got != wantCSP {
			t.Errorf("Content-Security-Policy\n got %q\nwant %q", got, wantCSP)
		}
	})

	t.Run("OKLimit", func(t *testing.T) {
		app := MustStartApp(t)
		doc, _ := mustEmbedPage(t, app, "?limit=1")
		if got := cardNames(doc.cards()); len(got) != 1 || got[0] != "Crimestoppers" {
			t.Errorf("limit=1: cards %q", got)
		}
		for i := range 25 {
			app.MustInsertHelpline(t, HelplineRow{Slug: "extra-" + string(rune('a'+i)), Name: "Extra line " + string(rune('A'+i)),
				Hours: hours.AlwaysOpen(), Coverage: []string{"united-kingdom"}, Contacts: []string{"web"}})
		}
		doc, _ = mustEmbedPage(t, app, "")
		if n := len(doc.cards()); n != 4 {
			t.Errorf("default: %d cards, want 4", n)
		}
		doc, _ = mustEmbedPage(t, app, "?limit=20")
		if n := len(doc.cards()); n != 20 {
			t.Errorf("limit=20: %d cards, want 20", n)
		}
	})

	t.Run("OKEmpty", func(t *testing.T) {
		app := MustStartApp(t)
		doc, _ := mustEmbedPage(t, app, "?channel=email")
		if len(doc.byClass("sp-em")) != 1 {
			t.Error("the emergency line must show whatever the filters")
		}
		msg := doc.byClass("sp-msg")
		if len(msg) != 1 || text(msg[0]) != "No helplines here match this choice." {
			t.Errorf("message %q", texts(msg))
		}
		if got, want := cardNames(doc.cards()), []string{"Crimestoppers", "Police non-emergency number (101)", "Stop It Now! helpline"}; !slices.Equal(got, want) {
			t.Errorf("national lines %q, want %q", got, want)
		}
	})

	t.Run("OKEscaped", func(t *testing.T) {
		app := MustStartApp(t)
		app.MustInsertHelpline(t, HelplineRow{Slug: "xss", Name: `<script>alert(1)</script>`, Hours: hours.AlwaysOpen(), Coverage: []string{"united-kingdom"}})
		id := app.MustQueryInt(t, `SELECT id FROM helplines WHERE slug = 'xss'`)
		app.MustExec(t, `INSERT INTO contacts (helpline_id, position, type, value, display, uri) VALUES (?, 0, 'web', 'x', '"><b>x</b>', 'javascript:alert(1)')`, id)
		doc, _ := mustEmbedPage(t, app, "?limit=20")
		if strings.Contains(doc.raw, "<script>alert") || strings.Contains(doc.raw, "<b>x</b>") || strings.Contains(doc.raw, "javascript:") {
			t.Error("content is not escaped, or an unsafe URI became a link")
		}
		c := findCard(t, doc.cards(), `<script>alert(1)</script>`)
		// The card's one link is to the line's page.
		more := "More about <script>alert(1)</script>"
		if l := c.links[more]; len(c.links) != 1 || len(l) == 0 || l[0] != app.URL+"/helplines/xss" {
			t.Errorf("a javascript: URI became a link, or the page's link is wrong: %q", c.links)
		}
	})

	t.Run("OKSize", func(t *testing.T) {
		app := MustStartApp(t)
		// Four cards (the seed's three and one more) and the emergency line, with the
		// quick exit.
		app.MustInsertHelpline(t, HelplineRow{Slug: "fourth", Name: "A fourth helpline", Hours: hours.AlwaysOpen(),
			Coverage: []string{"united-kingdom"}, Topics: []string{"general-public"}, Contacts: []string{"web", "email"}})
		for _, q := range []string{"", "?quick_exit=1&theme=dark"} {
			doc, resp := mustEmbedPage(t, app, q)
			if n := len(doc.cards()); n != 4 {
				t.Fatalf("%d cards, want 4", n)
			}
			size := len(ReadBody(t, resp))
			t.Logf("iframe page%s with 4 cards: %d bytes (budget %d)", q, size, embedPageBudget)
			if size > embedPageBudget {
				t.Errorf("the page is %d bytes, over the budget of %d", size, embedPageBudget)
			}
		}
	})

	t.Run("OKConditional", func(t *testing.T) {
		app := MustStartApp(t)
		resp := app.Get(t, "/embed/helplines")
		MustStatus(t, resp, http.StatusOK)
		again := app.Get(t, "/embed/helplines", "If-None-Match", resp.Header.Get("ETag"))
		MustStatus(t, again, http.StatusNotModified)
	})

	t.Run("ErrBadParameter", func(t *testing.T) {
		app := MustStartApp(t)
		for _, tt := range []struct{ query, field string }{
			{"?limit=0", "limit"},
			{"?limit=21", "limit"},
			{"?limit=four", "limit"},
			{"?theme=blue", "theme"},
			{"?region=Not%20a%20slug", "region"},
			{"?region=atlantis", "region"},
			{"?topic=nope", "topic"},
			{"?channel=pigeon", "channel"},
			{"?open_now=maybe", "open_now"},
			{"?quick_exit=yes", "quick_exit"},
			{"?at=tomorrow", "at"},
			{"?colour=red", "colour"},
			{"?region=cumbria&region=kent", "region"},
			{"?cursor=abc", "cursor"},
		} {
			t.Run(tt.query, func(t *testing.T) {
				MustProblem(t, app.Get(t, "/embed/helplines"+tt.query), http.StatusBadRequest, tt.field)
			})
		}
	})
}

func TestEmbedJSON(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		app := MustStartApp(t)
		var body handlers.EmbedListItem
		resp := app.GetJSON(t, "/embed/helplines.json?region=cumbria", &body)
		MustStatus(t, resp, http.StatusOK)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Access-Control-Allow-Origin %q, want *", got)
		}
		l := body.Data
		if len(l.Emergency) != 1 || l.Emergency[0].Slug != "emergency-999" {
			t.Errorf("emergency %+v", l.Emergency)
		}
		var slugs []string
		for _, h := range l.Helplines {
			slugs = append(slugs, h.Slug)
		}
		if want := []string{"crimestoppers", "police-101", "stop-it-now"}; !slices.Equal(slugs, want) {
			t.Errorf("helplines %q, want %q", slugs, want)
		}
		if len(l.National) != 0 {
			t.Errorf("national lines are only for an empty result: %+v", l.National)
		}
		sin := l.Helplines[2]
		if sin.Status == nil || *sin.Status != (handlers.EmbedStatus{State: "open", Text: "Open now — closes 9pm"}) {
			t.Errorf("status %+v", sin.Status)
		}
	})

	t.Run("OKSameAsPage", func(t *testing.T) {
		app := MustStartApp(t)
		doc, _ := mustEmbedPage(t, app, "?region=cumbria&audience=professionals")
		var body handlers.EmbedListItem
		MustStatus(t, app.GetJSON(t, "/embed/helplines.json?region=cumbria&audience=professionals", &body), http.StatusOK)
		var names []string
		for _, h := range body.Data.Helplines {
			names = append(names, h.Name)
		}
		if got := cardNames(doc.cards()); !slices.Equal(got, names) {
			t.Errorf("page %q, JSON %q", got, names)
		}
	})

	t.Run("ErrPageParameter", func(t *testing.T) {
		app := MustStartApp(t)
		MustProblem(t, app.Get(t, "/embed/helplines.json?theme=dark"), http.StatusBadRequest, "theme")
		MustProblem(t, app.Get(t, "/embed/helplines.json?limit=21"), http.StatusBadRequest, "limit")
	})
}

func TestEmbedScript(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		app := MustStartApp(t)
		resp := app.Get(t, "/embed/helplines.js")
		MustStatus(t, resp, http.StatusOK)
		h := resp.Header
		for name, want := range map[string]string{
			"Content-Type":                 "text/javascript; charset=utf-8",
			"Cross-Origin-Resource-Policy": "cross-origin",
			"X-Content-Type-Options":       "nosniff",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s %q, want %q", name, got, want)
			}
		}
		if v := h.Values("Set-Cookie"); len(v) > 0 {
			t.Errorf("Set-Cookie %q", v)
		}
		js := string(ReadBody(t, resp))
		t.Logf("helplines.js: %d bytes (budget %d)", len(js), embedScriptBudget)
		if len(js) > embedScriptBudget {
			t.Errorf("the script is %d bytes, over the budget of %d", len(js), embedScriptBudget)
		}
		// The national and emergency numbers are baked in for when the API is out of
		// reach, with the quick exit's URL and the style sheet.
		for _, want := range []string{`"display":"999"`, `"display":"0808 1000 900"`, `"display":"0800 555 111"`, `"display":"101"`,
			`"exit":"` + handlers.DefaultQuickExitURL + `"`, `"Call Stop It Now! helpline on 0808 1000 900"`} {
			if !strings.Contains(js, want) {
				t.Errorf("the script lacks %s", want)
			}
		}
		if strings.Contains(js, "__SIGNPOST_DATA__") {
			t.Error("the data token was not replaced")
		}
		// No storage, no cookies, no other hosts, one IIFE and no globals.
		for _, bad := range []string{"document.cookie", "localStorage", "sessionStorage", "indexedDB", "eval(", "innerHTML", "window.Signpost"} {
			if strings.Contains(js, bad) {
				t.Errorf("the script uses %s", bad)
			}
		}
		code := regexp.MustCompile(`(?s)^/\*!.*?\*/\s*`).ReplaceAllString(js, "")
		if !regexp.MustCompile(`(?s)^\(function\(\)\{"use strict";.*\}\)\(\);?\s*$`).MatchString(code) {
			t.Errorf("the script must be one IIFE; it starts %q and ends %q", code[:min(40, len(code))], code[max(0, len(code)-20):])
		}
		// When Node.js is at hand, the script must at least parse.
		if node, err := exec.LookPath("node"); err == nil {
			f := filepath.Join(t.TempDir(), "helplines.js")
			if err := os.WriteFile(f, []byte(js), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
				t.Errorf("node --check: %v\n%s", err, out)
			}
		}
	})

	t.Run("OKFollowsData", func(t *testing.T) {
		app := MustStartApp(t)
		before := app.Get(t, "/embed/helplines.js")
		MustStatus(t, before, http.StatusOK)
		app.MustExec(t, `UPDATE contacts SET display = '0808 100 0901' WHERE display = '0808 1000 900'`)
		after := app.Get(t, "/embed/helplines.js", "If-None-Match", before.Header.Get("ETag"))
		MustStatus(t, after, http.StatusOK)
		if !strings.Contains(string(ReadBody(t, after)), "0808 100 0901") {
			t.Error("the baked-in lines did not follow the data")
		}
	})

	t.Run("ErrParameter", func(t *testing.T) {
		app := MustStartApp(t)
		MustProblem(t, app.Get(t, "/embed/helplines.js?region=cumbria"), http.StatusBadRequest, "region")
	})
}

func TestEmbedOEmbed(t *testing.T) {
	app := MustStartApp(t)
	// The public URL is not set by hand, so the service is where the request says.
	pub := app.URL
	embed := pub + "/embed/helplines?region=cumbria&theme=dark"
	get := func(t *testing.T, q url.Values) (*http.Response, handlers.OEmbed) {
		t.Helper()
		var o handlers.OEmbed
		resp := app.Get(t, "/oembed?"+q.Encode())
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(ReadBody(t, resp), &o); err != nil {
				t.Fatal(err)
			}
		}
		return resp, o
	}

	t.Run("OK", func(t *testing.T) {
		resp, o := get(t, url.Values{"url": {embed}, "format": {"json"}})
		MustStatus(t, resp, http.StatusOK)
		if o.Type != "rich" || o.Version != "1.0" || o.ProviderName != "Signpost" || o.ProviderURL != pub || o.Width != 480 || o.Height != 720 {
			t.Errorf("oEmbed %+v", o)
		}
		doc := mustParseHTML(t, []byte(o.HTML))
		frames := doc.byTag("iframe")
		if len(frames) != 1 {
			t.Fatalf("html %q: want one iframe", o.HTML)
		}
		for name, want := range map[string]string{"src": pub + "/embed/helplines?region=cumbria&theme=dark",
			"title": "Helplines from Signpost", "width": "480", "height": "720", "referrerpolicy": "no-referrer"} {
			if got, _ := attr(frames[0], name); got != want {
				t.Errorf("iframe %s %q, want %q", name, got, want)
			}
		}
		// The few lines that size the frame to its content come with it, and
		// listen to this service's origin alone.
		if !strings.HasSuffix(o.HTML, "</iframe>"+handlers.HeightListener(pub)) {
			t.Errorf("html %q: want the iframe, then the height listener for %s", o.HTML, pub)
		}
		if !strings.Contains(handlers.HeightListener(pub), `e.origin===`+strconv.Quote(pub)+`&&`) || !strings.Contains(handlers.HeightListener(pub), "e.source") {
			t.Errorf("the listener must check the message's origin and source: %s", handlers.HeightListener(pub))
		}
	})

	t.Run("OKMaxSize", func(t *testing.T) {
		resp, o := get(t, url.Values{"url": {embed}, "maxwidth": {"300"}, "maxheight": {"400"}})
		MustStatus(t, resp, http.StatusOK)
		if o.Width != 300 || o.Height != 400 || !strings.Contains(o.HTML, `width="300" height="400"`) {
			t.Errorf("maxwidth 300, maxheight 400: %+v", o)
		}
		_, o = get(t, url.Values{"url": {embed}, "maxwidth": {"2000"}})
		if o.Width != 480 {
			t.Errorf("maxwidth 2000: width %d, want the default 480", o.Width)
		}
	})

	t.Run("ErrForeignURL", func(t *testing.T) {
		for _, u := range []string{"https://example.org/embed/helplines", pub + "/api/v1/helplines", pub + "/embed/helplines.js",
			"javascript:alert(1)", "http://user@" + strings.TrimPrefix(pub, "http://") + "/embed/helplines"} {
			resp, _ := get(t, url.Values{"url": {u}})
			MustProblem(t, resp, http.StatusNotFound, "")
		}
	})

	t.Run("ErrXML", func(t *testing.T) {
		resp, _ := get(t, url.Values{"url": {embed}, "format": {"xml"}})
		MustProblem(t, resp, http.StatusNotImplemented, "")
	})

	t.Run("ErrBadParameter", func(t *testing.T) {
		for _, tt := range []struct {
			q     url.Values
			field string
		}{
			{url.Values{}, "url"},
			{url.Values{"url": {embed}, "maxwidth": {"0"}}, "maxwidth"},
			{url.Values{"url": {embed}, "maxheight": {"tall"}}, "maxheight"},
			{url.Values{"url": {pub + "/embed/helplines?limit=99"}}, "url"},
			{url.Values{"url": {embed}, "callback": {"f"}}, "callback"},
		} {
			resp, _ := get(t, tt.q)
			MustProblem(t, resp, http.StatusBadRequest, tt.field)
		}
	})
}

// TestEmbedBaseURL checks where the embed URLs point when the public URL is not set
// by hand: to the request's own Host and scheme, or to X-Forwarded-Host and
// X-Forwarded-Proto from a trusted proxy (never from anyone else), with answers for
// one base never served for another; and to the public URL alone once it is set.
func TestEmbedBaseURL(t *testing.T) {
	oembed := func(t *testing.T, app *testApp, host, peer, embed string, headers ...string) (int, handlers.OEmbed) {
		t.Helper()
		rec := app.serveFrom(t, http.MethodGet, "http://"+host+"/oembed?"+url.Values{"url": {embed}}.Encode(), peer, headers...)
		var o handlers.OEmbed
		if rec.Code == http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &o); err != nil {
				t.Fatal(err)
			}
		}
		return rec.Code, o
	}
	discovery := func(t *testing.T, app *testApp, host, peer string, headers ...string) string {
		t.Helper()
		rec := app.serveFrom(t, http.MethodGet, "http://"+host+"/embed/helplines?region=cumbria", peer, headers...)
		if rec.Code != http.StatusOK {
			t.Fatalf("embed page: status %d", rec.Code)
		}
		for _, l := range mustParseHTML(t, rec.Body.Bytes()).byTag("link") {
			if typ, _ := attr(l, "type"); typ == "application/json+oembed" {
				href, _ := attr(l, "href")
				return href
			}
		}
		t.Fatal("no oEmbed discovery link")
		return ""
	}
	forged := []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"}

	t.Run("OKRequestHost", func(t *testing.T) {
		app := MustStartApp(t, WithConfig(func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8"} }))
		// From a client that is not a trusted proxy, X-Forwarded-* change nothing.
		code, o := oembed(t, app, "signpost.example.org", "192.0.2.1:1234", "http://signpost.example.org/embed/helplines?region=cumbria", forged...)
		if code != http.StatusOK || o.ProviderURL != "http://signpost.example.org" || !strings.Contains(o.HTML, `src="http://signpost.example.org/embed/helplines?region=cumbria"`) ||
			!strings.HasSuffix(o.HTML, handlers.HeightListener("http://signpost.example.org")) {
			t.Errorf("status %d, oEmbed %+v", code, o)
		}
		for _, u := range []string{"https://evil.example/embed/helplines", "http://localhost:8080/embed/helplines"} {
			if code, _ := oembed(t, app, "signpost.example.org", "192.0.2.1:1234", u, forged...); code != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", u, code)
			}
		}
		// Each base has its own cached answers: the page asked for through another
		// Host, then through the first again, names its own each time.
		for _, host := range []string{"signpost.example.org", "other.example.net:8443", "signpost.example.org"} {
			want := "http://" + host + "/oembed?" + url.Values{"format": {"json"}, "url": {"http://" + host + "/embed/helplines?region=cumbria"}}.Encode()
			if got := discovery(t, app, host, "192.0.2.1:1234"); got != want {
				t.Errorf("Host %s: discovery link %q, want %q", host, got, want)
			}
		}
		if code, _ := oembed(t, app, "signpost.example.org:80", "192.0.2.1:1234", "http://signpost.example.org/embed/helplines"); code != http.StatusOK {
			t.Errorf("the default port: status %d, want 200", code)
		}
	})

	t.Run("OKTrustedProxy", func(t *testing.T) {
		app := MustStartApp(t, WithConfig(func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8"} }))
		code, o := oembed(t, app, "internal:8080", "10.1.2.3:1234", "https://signpost.example.org/embed/helplines?region=cumbria",
			"X-Forwarded-Host", "evil.example, signpost.example.org", "X-Forwarded-Proto", "http, https")
		if code != http.StatusOK || o.ProviderURL != "https://signpost.example.org" || !strings.Contains(o.HTML, `src="https://signpost.example.org/embed/helplines?region=cumbria"`) {
			t.Errorf("status %d, oEmbed %+v", code, o)
		}
		if code, _ := oembed(t, app, "internal:8080", "10.1.2.3:1234", "http://internal:8080/embed/helplines",
			"X-Forwarded-Host", "signpost.example.org", "X-Forwarded-Proto", "https"); code != http.StatusNotFound {
			t.Errorf("the proxy's own address: status %d, want 404", code)
		}
		// A forwarded host that is not a plain host is ignored.
		if code, _ := oembed(t, app, "internal:8080", "10.1.2.3:1234", "http://internal:8080/embed/helplines",
			"X-Forwarded-Host", "evil.example/x?"); code != http.StatusOK {
			t.Errorf("a malformed X-Forwarded-Host: status %d, want 200 for the Host", code)
		}
	})

	t.Run("OKPublicURLSet", func(t *testing.T) {
		cfg, _, err := LoadConfig("signpost", []string{"-public-url", "https://signpost.example.org/"}, env())
		if err != nil || !cfg.PublicURLSet {
			t.Fatalf("PublicURLSet %v, err %v", cfg.PublicURLSet, err)
		}
		app := MustStartApp(t, WithConfig(func(c *Config) { c.PublicURL, c.PublicURLSet = cfg.PublicURL, true }))
		if code, _ := oembed(t, app, "127.0.0.1", "192.0.2.1:1234", "http://127.0.0.1/embed/helplines"); code != http.StatusNotFound {
			t.Errorf("the request's own host once the public URL is set: status %d, want 404", code)
		}
		code, o := oembed(t, app, "127.0.0.1", "192.0.2.1:1234", "https://signpost.example.org/embed/helplines")
		if code != http.StatusOK || o.ProviderURL != "https://signpost.example.org" {
			t.Errorf("status %d, oEmbed %+v", code, o)
		}
		if got := discovery(t, app, "127.0.0.1", "192.0.2.1:1234"); !strings.HasPrefix(got, "https://signpost.example.org/oembed?") {
			t.Errorf("discovery link %q", got)
		}
		for _, getenv := range []func(string) string{env(), env("SIGNPOST_PUBLIC_URL", "")} {
			if c, _, _ := LoadConfig("signpost", nil, getenv); c.PublicURLSet {
				t.Error("PublicURLSet without -public-url or SIGNPOST_PUBLIC_URL")
			}
		}
		if c, _, _ := LoadConfig("signpost", nil, env("SIGNPOST_PUBLIC_URL", "https://a.example")); !c.PublicURLSet {
			t.Error("SIGNPOST_PUBLIC_URL does not count as set")
		}
	})
}

func TestConfigEmbed(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		cfg, _, err := LoadConfig("signpost", nil, env(
			"SIGNPOST_EMBED_FRAME_ANCESTORS", "'self'  https://*.example.org https://school.example.net:8443",
			"SIGNPOST_QUICK_EXIT_URL", "https://www.google.com/search?q=weather"))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.EmbedFrameAncestors != "'self' https://*.example.org https://school.example.net:8443" {
			t.Errorf("frame ancestors %q", cfg.EmbedFrameAncestors)
		}
		app := MustStartApp(t, WithConfig(func(c *Config) {
			c.EmbedFrameAncestors, c.QuickExitURL = cfg.EmbedFrameAncestors, cfg.QuickExitURL
		}))
		doc, resp := mustEmbedPage(t, app, "?quick_exit=true")
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "; frame-ancestors 'self' https://*.example.org https://school.example.net:8443") {
			t.Errorf("CSP %q", csp)
		}
		if href, _ := attr(doc.byClass("sp-exit")[0], "href"); href != "https://www.google.com/search?q=weather" {
			t.Errorf("exit link %q", href)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, kv := range [][2]string{
			{"SIGNPOST_EMBED_FRAME_ANCESTORS", "*; script-src *"},
			{"SIGNPOST_EMBED_FRAME_ANCESTORS", "'none' https://example.org"},
			{"SIGNPOST_EMBED_FRAME_ANCESTORS", "'unsafe-inline'"},
			{"SIGNPOST_EMBED_FRAME_ANCESTORS", "https://example.org,https://example.net"},
			{"SIGNPOST_QUICK_EXIT_URL", "javascript:alert(1)"},
			{"SIGNPOST_QUICK_EXIT_URL", "/weather"},
			{"SIGNPOST_QUICK_EXIT_URL", `https://example.org/"><script>`},
		} {
			if _, _, err := LoadConfig("signpost", nil, env(kv[0], kv[1])); err == nil {
				t.Errorf("%s=%q: accepted", kv[0], kv[1])
			}
		}
	})
}

// TestEmbedTrust checks what travels with each line in the page, the JSON and the
// script's baked-in lines: the limits of its anonymity or confidentiality beside
// those badges, and when its details were last checked.
func TestEmbedTrust(t *testing.T) {
	app := MustStartApp(t)
	notes := map[string]string{}
	for _, slug := range []string{"stop-it-now", "crimestoppers"} {
		var h struct{ Data handlers.Helpline }
		MustStatus(t, app.GetJSON(t, "/api/v1/helplines/"+slug, &h), http.StatusOK)
		if h.Data.ConfidentialityNote == "" {
			t.Fatalf("%s has no confidentiality note in the seed", slug)
		}
		notes[h.Data.Name] = h.Data.ConfidentialityNote
	}

	t.Run("OKNoteBesideBadges", func(t *testing.T) {
		doc, _ := mustEmbedPage(t, app, "?region=cumbria")
		for _, c := range doc.cards() {
			sub := &embedDoc{root: c.node}
			got := texts(sub.byClass("sp-note"))
			switch note, ok := notes[c.name]; {
			case ok:
				if !slices.Equal(got, []string{"Confidentiality: " + note}) {
					t.Errorf("%s: note %q, want %q", c.name, got, note)
				}
				// Right after the badges, so that it is read with them.
				badges := sub.byClass("sp-badges")
				if len(badges) != 1 || badges[0].NextSibling == nil || !hasClass(nextElement(badges[0]), "sp-note") {
					t.Errorf("%s: the note does not follow the badges", c.name)
				}
			case len(got) != 0:
				t.Errorf("%s: a note %q it does not have", c.name, got)
			}
		}
		var body handlers.EmbedListItem
		MustStatus(t, app.GetJSON(t, "/embed/helplines.json?region=cumbria", &body), http.StatusOK)
		for _, l := range body.Data.Helplines {
			if l.ConfidentialityNote != notes[l.Name] {
				t.Errorf("JSON %s: confidentiality_note %q, want %q", l.Slug, l.ConfidentialityNote, notes[l.Name])
			}
		}
		js := string(ReadBody(t, app.Get(t, "/embed/helplines.js")))
		for name, note := range notes {
			b, _ := json.Marshal(note)
			if !strings.Contains(js, `"confidentiality_note":`+string(b)) {
				t.Errorf("the script's baked-in %s lacks its note", name)
			}
		}
	})

	t.Run("OKLastChecked", func(t *testing.T) {
		// The seed's lines were never checked by us, and say so.
		var body handlers.EmbedListItem
		MustStatus(t, app.GetJSON(t, "/embed/helplines.json?region=cumbria", &body), http.StatusOK)
		for _, l := range append(body.Data.Emergency, body.Data.Helplines...) {
			if l.LastVerifiedAt != nil || !l.VerificationDue || l.CheckedText != "Details last checked: not recorded" {
				t.Errorf("%s: last_verified_at %v, verification_due %v, checked_text %q", l.Slug, l.LastVerifiedAt, l.VerificationDue, l.CheckedText)
			}
		}
		// 23:30 UTC on 31 January 2027 is still the 31st in London.
		verified := time.Date(2027, 1, 31, 23, 30, 0, 0, time.UTC)
		MustStatus(t, hlPatch(t, app, hlEditor(t, app), "crimestoppers", map[string]any{"last_verified_at": verified.Format(time.RFC3339)}), http.StatusOK)
		MustStatus(t, app.GetJSON(t, "/embed/helplines.json?region=cumbria", &body), http.StatusOK)
		cs := body.Data.Helplines[0]
		if cs.Slug != "crimestoppers" || cs.LastVerifiedAt == nil || !cs.LastVerifiedAt.Equal(verified) || cs.VerificationDue || cs.CheckedText != "Details last checked: 31 January 2027" {
			t.Errorf("%s: last_verified_at %v, verification_due %v, checked_text %q", cs.Slug, cs.LastVerifiedAt, cs.VerificationDue, cs.CheckedText)
		}
		doc, _ := mustEmbedPage(t, app, "?region=cumbria")
		for _, c := range doc.cards() {
			want := "Details last checked: not recorded"
			if c.name == "Crimestoppers" {
				want = "Details last checked: 31 January 2027"
			}
			if got := texts((&embedDoc{root: c.node}).byClass("sp-checked")); !slices.Equal(got, []string{want}) {
				t.Errorf("%s: %q, want %q", c.name, got, want)
			}
		}
		if got := texts((&embedDoc{root: doc.byClass("sp-em")[0]}).byClass("sp-checked")); !slices.Equal(got, []string{"Details last checked: not recorded"}) {
			t.Errorf("emergency line: %q", got)
		}
		if !strings.Contains(string(ReadBody(t, app.Get(t, "/embed/helplines.js"))), `"checked_text":"Details last checked: 31 January 2027"`) {
			t.Error("the script's baked-in Crimestoppers lacks when it was checked")
		}
	})
}

// nextElement is the element after n, skipping text.
func nextElement(n *html.Node) *html.Node {
	for n = n.NextSibling; n != nil && n.Type != html.ElementNode; n = n.NextSibling {
	}
	return n
}
