package main

// Browser tests of the partner embed (issue 6). The real server runs on one loopback
// origin and a partner site on another (another port); headless Chromium loads the
// partner's pages with the iframe and with the script, and the tests check what a
// visitor gets: the right numbers and opening states, no console errors, no failed
// requests, no request to any other host, no cookies or storage, zero axe-core
// violations in both themes, keyboard use with a visible focus, no horizontal
// scrolling at 320 CSS pixels and at 200% zoom, the quick exit (which replaces the
// partner's page in the history, from the iframe too), and the script's fallback
// when the API cannot be reached.
//
// They need Chromium (Debian's package chromium, or SIGNPOST_CHROMIUM naming a
// browser) and axe-core, which `npm ci` installs in widget/testdata; .ci/run does
// both. Without them the tests skip, unless CI is set: then they fail. Screenshots
// at 1024 and 320 CSS pixels go to a temporary folder (see the test's log); with
// SIGNPOST_UPDATE_SCREENSHOTS set, those the README shows go to widget/screenshots.

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"signpost/widget"
)

// axePath is axe-core's browser build, installed by npm ci in widget/testdata.
var axePath = filepath.Join("..", "widget", "testdata", "node_modules", "axe-core", "axe.min.js")

// needBrowser returns the path of Chromium and the source of axe-core. When either
// is missing it skips the test, or fails it when CI is set, since CI must run them.
func needBrowser(t *testing.T) (browser, axe string) {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; CI is set, so the browser tests must run (bash .ci/run installs both)", msg)
		}
		t.Skipf("skipping the browser tests: %s (bash .ci/run installs both; CI=true makes this a failure)", msg)
	}
	if p := os.Getenv("SIGNPOST_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			missing("SIGNPOST_CHROMIUM: %v", err)
		}
		browser = p
	} else {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
			if p, err := exec.LookPath(name); err == nil {
				browser = p
				break
			}
		}
	}
	if browser == "" {
		missing("no Chromium found (apt-get install chromium, or set SIGNPOST_CHROMIUM)")
	}
	b, err := os.ReadFile(axePath)
	if err != nil {
		missing("axe-core is not installed (cd widget/testdata && npm ci): %v", err)
	}
	return browser, string(b)
}

// embedEnv is the API, a partner site on another origin, the neutral site of the
// quick exit on a third, and a browser.
type embedEnv struct {
	app     *testApp
	partner *httptest.Server
	neutral *httptest.Server
	browser context.Context
	axe     string
	hosts   []string // host:port of the API, the partner and the neutral site

	mu       sync.Mutex
	referers []string // the Referer of each request to the neutral site, "" for none
	// Screenshots go to tmpDir, but for the README's when updateShots is set.
	tmpDir      string
	updateShots bool
}

// partnerPage is the partner's page: a school's page about getting help, with the
// widget in its main content.
const partnerPage = `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example Primary School: getting help</title>
<link rel="icon" href="data:,">
<style>body{margin:0;font:16px/1.5 sans-serif;color:#0b0c0c;background:#fff}header,main,footer{max-width:960px;margin:0 auto;padding:8px 16px}iframe{display:block;width:100%%;border:0}</style>
</head>
<body>
<header><p>Example Primary School</p></header>
<main>
<h1>Getting help</h1>
<p>If you are worried about a child, or about yourself, these services can help.</p>
%s
</main>
<footer><p>Example Primary School, Example Road</p></footer>
</body>
</html>
`

// servePartner serves the partner site: /iframe?<embed query> frames the embed page
// (in a sandbox with the tokens of its sandbox parameter, when it has one),
// /script?<attribute>=<value>… has the script tag with those data- attributes,
// /oembed?<embed query> has the HTML that the API's oEmbed gives for that embed URL
// (the iframe and the lines that size it), and /before a page of the partner's
// without the widget, to have come from. Every page has the most permissive
// referrer policy there is (unsafe-url: the full address, query included, to any
// site), the worst case for what the quick exit must not tell the neutral site.
func (e *embedEnv) servePartner(w http.ResponseWriter, r *http.Request) {
	var widget string
	w.Header().Set("Referrer-Policy", "unsafe-url")
	switch r.URL.Path {
	case "/iframe":
		src := e.app.URL + "/embed/helplines"
		query, sandbox := r.URL.RawQuery, ""
		if q := r.URL.Query(); q.Has("sandbox") || q.Has("pupil") {
			if q.Has("sandbox") {
				sandbox = fmt.Sprintf(` sandbox="%s"`, html.EscapeString(q.Get("sandbox")))
			}
			q.Del("sandbox")
			q.Del("pupil") // the partner's own, for its address to have a query
			query = q.Encode()
		}
		if query != "" {
			src += "?" + query
		}
		widget = fmt.Sprintf(`<iframe src="%s" title="Helplines from Signpost" height="1100" referrerpolicy="no-referrer"%s></iframe>`, html.EscapeString(src), sandbox)
	case "/before":
		widget = `<p>Nothing here but text.</p>`
	case "/script":
		q := r.URL.Query()
		var attrs strings.Builder
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range q {
				if !yield(k) {
					return
				}
			}
		}) {
			fmt.Fprintf(&attrs, ` data-%s="%s"`, html.EscapeString(k), html.EscapeString(q.Get(k)))
		}
		widget = fmt.Sprintf(`<script src="%s/embed/helplines.js"%s async referrerpolicy="no-referrer"></script>`, e.app.URL, attrs.String())
	case "/oembed":
		// What a content system does with the API's oEmbed answer: paste its html.
		resp, err := http.Get(e.app.URL + "/oembed?" + url.Values{"url": {e.app.URL + "/embed/helplines?" + r.URL.RawQuery}}.Encode())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var o struct{ HTML string }
		if err := json.NewDecoder(resp.Body).Decode(&o); err != nil || resp.StatusCode != http.StatusOK {
			http.Error(w, fmt.Sprintf("oEmbed: status %d, %v", resp.StatusCode, err), http.StatusBadGateway)
			return
		}
		// Before it, the test's own record of every message the page gets.
		widget = `<script>var m=[];addEventListener("message",function(e){m.push({origin:e.origin,data:e.data});document.documentElement.setAttribute("data-messages",JSON.stringify(m))})</script>` + "\n" + o.HTML
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, partnerPage, widget)
}

// serveNeutral is the neutral site the quick exit goes to; it records the Referer
// of every request.
func (e *embedEnv) serveNeutral(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.referers = append(e.referers, r.Header.Get("Referer"))
	e.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Weather</title><link rel="icon" href="data:,"></head><body><main><h1>Weather</h1></main></body></html>`)
}

// takeReferers returns the Referers the neutral site has seen since the last call.
func (e *embedEnv) takeReferers() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.referers
	e.referers = nil
	return r
}

// checkNoReferer checks that the neutral site was visited, and never told where
// from.
func (e *embedEnv) checkNoReferer(t *testing.T) {
	t.Helper()
	got := e.takeReferers()
	if len(got) == 0 {
		t.Error("the neutral site was not visited")
	}
	for _, r := range got {
		if r != "" {
			t.Errorf("the neutral site was sent Referer %q; the quick exit must send none", r)
		}
	}
}

// startEmbedEnv starts the API with its clock at Friday 18:00 in London (Stop It
// Now! closed until Monday 9am; Crimestoppers and 101 open 24 hours), the partner
// site, and the browser, all stopped when the test ends.
func startEmbedEnv(t *testing.T, appOpts ...TestOption) *embedEnv {
	t.Helper()
	chrome, axe := needBrowser(t)
	e := &embedEnv{axe: axe, tmpDir: t.TempDir(), updateShots: os.Getenv("SIGNPOST_UPDATE_SCREENSHOTS") != ""}
	e.partner = httptest.NewServer(http.HandlerFunc(e.servePartner))
	t.Cleanup(e.partner.Close)
	e.neutral = httptest.NewServer(http.HandlerFunc(e.serveNeutral))
	t.Cleanup(e.neutral.Close)
	clock := newTestClock(testEpoch)
	appOpts = append([]TestOption{WithClock(clock), WithConfig(func(c *Config) { c.QuickExitURL = e.neutral.URL + "/weather" })}, appOpts...)
	e.app = MustStartApp(t, appOpts...)
	clock.Set(embedFriday18)
	for _, u := range []string{e.app.URL, e.partner.URL, e.neutral.URL} {
		p, _ := url.Parse(u)
		e.hosts = append(e.hosts, p.Host)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.UserDataDir(t.TempDir()), // a fresh profile: no cookies, no storage
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Chromium puts sandboxed iframes in processes of their own, outside the
		// tab's frame tree; the tests read the frame through that tree.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateSandboxedIframes"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chrome, err)
	}
	e.browser = ctx
	return e
}

// browserTab is a tab that records what a visitor's browser did: every request,
// and every console error or warning, uncaught exception, failed request and HTTP
// error.
type browserTab struct {
	t   *testing.T
	e   *embedEnv
	ctx context.Context

	mu       sync.Mutex
	urls     map[network.RequestID]string
	requests []*network.Request
	byTest   []*network.Request
	problems []string
	csp      map[string]string // the Content-Security-Policy of each document, by URL
}

func (e *embedEnv) newTab(t *testing.T) *browserTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser)
	t.Cleanup(cancel)
	b := &browserTab{t: t, e: e, ctx: ctx, urls: map[network.RequestID]string{}, csp: map[string]string{}}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return b
}

func (b *browserTab) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.urls[ev.RequestID] = ev.Request.URL
		b.requests = append(b.requests, ev.Request)
		if ev.Initiator != nil && ev.Initiator.Type == network.InitiatorTypeOther {
			b.byTest = append(b.byTest, ev.Request) // a navigation of the test's own
		}
	case *network.EventLoadingFailed:
		b.problems = append(b.problems, fmt.Sprintf("request failed: %s: %s %s", b.urls[ev.RequestID], ev.ErrorText, ev.BlockedReason))
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 {
			b.problems = append(b.problems, fmt.Sprintf("HTTP %d: %s", ev.Response.Status, ev.Response.URL))
		}
		if ev.Type == network.ResourceTypeDocument {
			for k, v := range ev.Response.Headers {
				if strings.EqualFold(k, "Content-Security-Policy") {
					b.csp[ev.Response.URL] = fmt.Sprint(v)
				}
			}
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				var v any
				if json.Unmarshal(a.Value, &v) == nil && v != nil {
					args = append(args, fmt.Sprint(v))
				} else {
					args = append(args, a.Description)
				}
			}
			b.problems = append(b.problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		msg := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
		b.problems = append(b.problems, "uncaught exception: "+msg)
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			b.problems = append(b.problems, fmt.Sprintf("browser log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// run runs an action with a time limit and fails the test on an error.
func run[T any](b *browserTab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// call sends one protocol command.
func call[P, R any](b *browserTab, cmd cdp.Command[P, R], params P) R {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	r, err := chromedp.Call(ctx, cmd, params)
	if err != nil {
		b.t.Fatalf("%s: %v", cmd.Method, err)
	}
	return r
}

// open sets the viewport and loads the partner's page at path (with its query),
// waiting for the widget: the iframe's load, or the script's rendering.
func (b *browserTab) open(path string, width int64) {
	b.t.Helper()
	b.viewport(width, 1)
	run(b, "navigate to "+path, chromedp.Navigate(b.e.partner.URL+path))
	if strings.HasPrefix(path, "/oembed") {
		// The oEmbed iframe loads lazily, after the page: wait for its first
		// message, which it posts once it is laid out.
		run(b, "wait for the frame's first message", chromedp.Poll[bool](`document.documentElement.hasAttribute("data-messages")`,
			chromedp.WithPollingTimeout(20*time.Second)))
	}
	if strings.HasPrefix(path, "/script") {
		run(b, "wait for the script's cards", chromedp.Poll[bool](
			`(function(){var h=document.querySelector(".signpost-helplines");return !!(h&&h.shadowRoot&&h.shadowRoot.querySelector(".sp-foot"))})()`,
			chromedp.WithPollingTimeout(20*time.Second)))
	}
}

func (b *browserTab) viewport(width int64, scale float64) {
	b.t.Helper()
	run(b, "set the viewport", chromedp.EmulateViewport(width, 900, chromedp.EmulateScale(scale)))
}

// world is an isolated JavaScript world in a frame of the page: it shares the DOM
// but not the page's globals or its CSP, so axe-core and the tests' probes run there
// without changing the page.
type world struct {
	b    *browserTab
	name string
	id   runtime.ExecutionContextID
}

// worlds returns a world in the main frame and, when the page has an iframe, one in
// it. Navigation ends them.
func (b *browserTab) worlds() (main world, frame *world) {
	b.t.Helper()
	tree := call(b, cdppage.GetFrameTree, cdp.Empty{}).FrameTree
	mk := func(name string, id cdp.FrameID) world {
		r := call(b, cdppage.CreateIsolatedWorld, cdppage.CreateIsolatedWorldParams{FrameID: id, WorldName: "signpost-test"})
		return world{b: b, name: name, id: r.ExecutionContextID}
	}
	main = mk("partner page", tree.Frame.ID)
	if len(tree.ChildFrames) > 1 {
		b.t.Fatalf("%d frames, want at most 1", len(tree.ChildFrames))
	}
	if len(tree.ChildFrames) == 1 {
		f := mk("iframe", tree.ChildFrames[0].Frame.ID)
		frame = &f
	}
	return main, frame
}

// eval evaluates expr in the world and decodes its value into T; promises are
// awaited. gesture makes it count as a user's action.
func eval[T any](w world, expr string, gesture bool) T {
	w.b.t.Helper()
	return run(w.b, "evaluate in the "+w.name, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise, func(p *runtime.EvaluateParams) {
		p.ContextID = w.id
		if gesture {
			t := true
			p.UserGesture = &t
		}
	}))
}

// rendered is what a visitor sees of the widget, read from the DOM.
type rendered struct {
	Emergency []renderedLink `json:"emergency"`
	Cards     []renderedCard `json:"cards"`
	Messages  []string       `json:"messages"`
	Exit      []string       `json:"exit"`
}

type renderedCard struct {
	Name    string         `json:"name"`
	Badges  []string       `json:"badges"`
	Note    string         `json:"note"`    // the confidentiality note
	Checked string         `json:"checked"` // when the details were last checked
	Links   []renderedLink `json:"links"`
	Text    string         `json:"text"` // without white space, to compare the two widgets
}

type renderedLink struct {
	Text  string `json:"text"`
	Href  string `json:"href"`
	Label string `json:"label"`
}

// extractJS reads the widget under ROOT (a document or a shadow root).
const extractJS = `(function(root){
	var all=function(el,s){return Array.prototype.slice.call(el.querySelectorAll(s))};
	var t=function(el){return el?el.textContent.replace(/\s+/g," ").trim():""};
	var link=function(a){return {text:t(a),href:a.getAttribute("href")||"",label:a.getAttribute("aria-label")||""}};
	return {
		emergency:all(root,".sp-em a").map(link),
		cards:all(root,".sp-card").map(function(c){return {name:t(c.querySelector(".sp-name")),badges:all(c,".sp-b").map(t),note:t(c.querySelector(".sp-badges + .sp-note")),checked:t(c.querySelector(".sp-checked")),links:all(c,"a").map(link),text:c.textContent.replace(/\s+/g,"")}}),
		messages:all(root,".sp-msg").map(t),
		exit:all(root,".sp-exit").map(t)
	};
})(ROOT)`

const shadowRoot = `document.querySelector(".signpost-helplines").shadowRoot`

func extract(w world, root string) rendered {
	w.b.t.Helper()
	return eval[rendered](w, strings.Replace(extractJS, "ROOT", root, 1), false)
}

// checkCards checks the cards for Cumbria on Friday at 18:00.
func checkCards(t *testing.T, r rendered) {
	t.Helper()
	if len(r.Emergency) == 0 || r.Emergency[0] != (renderedLink{"999", "tel:999", "Call Emergency services (999) on 999"}) {
		t.Errorf("emergency line %+v, want 999 first", r.Emergency)
	}
	var names []string
	for _, c := range r.Cards {
		names = append(names, c.Name)
	}
	if want := []string{"Crimestoppers", "Police non-emergency number (101)", "Stop It Now! helpline"}; !slices.Equal(names, want) {
		t.Fatalf("cards %q, want %q (open lines first)", names, want)
	}
	want := map[string]struct {
		badges []string
		phone  renderedLink
	}{
		"Crimestoppers": {[]string{"Open 24 hours", "Anonymous"},
			renderedLink{"0800 555 111", "tel:+44800555111", "Call Crimestoppers on 0800 555 111"}},
		"Police non-emergency number (101)": {[]string{"Open 24 hours"},
			renderedLink{"101", "tel:101", "Call Police non-emergency number (101) on 101"}},
		"Stop It Now! helpline": {[]string{"Closed — opens Monday 9am", "Anonymous", "Confidential"},
			renderedLink{"0808 1000 900", "tel:+448081000900", "Call Stop It Now! helpline on 0808 1000 900"}},
	}
	for _, c := range r.Cards {
		w := want[c.Name]
		if !slices.Equal(c.Badges, w.badges) {
			t.Errorf("%s: badges %q, want %q", c.Name, c.Badges, w.badges)
		}
		if len(c.Links) == 0 || c.Links[0] != w.phone {
			t.Errorf("%s: first link %+v, want %+v", c.Name, c.Links, w.phone)
		}
	}
	checkTrust(t, r)
}

// cardNotes are the seed's confidentiality notes, as the cards begin them.
var cardNotes = map[string]string{
	"Crimestoppers":         "Confidentiality: Crimestoppers promises anonymity rather than confidentiality",
	"Stop It Now! helpline": "Confidentiality: You need not give details that identify you.",
}

// checkTrust checks that each card shown as anonymous or confidential says the
// limits of that right after its badges, and that every card says when its details
// were last checked.
func checkTrust(t *testing.T, r rendered) {
	t.Helper()
	for _, c := range r.Cards {
		if want := cardNotes[c.Name]; !strings.HasPrefix(c.Note, want) || (want == "") != (c.Note == "") {
			t.Errorf("%s: note after the badges %q, want one starting %q", c.Name, c.Note, want)
		}
		if c.Checked != "Details last checked: not recorded" {
			t.Errorf("%s: checked %q", c.Name, c.Checked)
		}
	}
}

// checkAxe runs axe-core in the world over its document, shadow roots included,
// and fails on any violation.
func checkAxe(t *testing.T, w world, what string) {
	t.Helper()
	eval[chromedp.Void](w, w.b.e.axe+";0", false)
	type result struct {
		Violations []struct {
			ID     string   `json:"id"`
			Impact string   `json:"impact"`
			Help   string   `json:"help"`
			Nodes  []string `json:"nodes"`
		} `json:"violations"`
		Passes     []string `json:"passes"`
		Incomplete []string `json:"incomplete"`
		Version    string   `json:"version"`
	}
	r := eval[result](w, `axe.run(document, {iframes: false, resultTypes: ["violations"]}).then(function (r) {
		return {
			version: axe.version,
			violations: r.violations.map(function (v) {
				return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) { return n.target.join(" ") + ": " + n.failureSummary })};
			}),
			passes: r.passes.map(function (p) { return p.id }),
			incomplete: r.incomplete.map(function (p) { return p.id })
		};
	})`, false)
	for _, v := range r.Violations {
		t.Errorf("axe-core %s, %s: %s (%s) %s", r.Version, what, v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			t.Errorf("    %s", n)
		}
	}
	if !slices.Contains(r.Passes, "color-contrast") {
		t.Errorf("%s: axe-core did not check colour contrast (passes %q, incomplete %q)", what, r.Passes, r.Incomplete)
	}
	t.Logf("axe-core %s, %s: %d violations, %d rules passed, needs review: %q", r.Version, what, len(r.Violations), len(r.Passes), r.Incomplete)
}

// checkPrivate checks that the visit left no cookie and no storage behind.
func checkPrivate(t *testing.T, b *browserTab, worlds ...world) {
	t.Helper()
	if c := call(b, storage.GetCookies, storage.GetCookiesParams{}).Cookies; len(c) != 0 {
		t.Errorf("the browser has %d cookies", len(c))
	}
	if c := call(b, network.GetCookies, network.GetCookiesParams{URLs: []string{b.e.app.URL, b.e.partner.URL}}).Cookies; len(c) != 0 {
		t.Errorf("%d cookies for the API or the partner", len(c))
	}
	for _, w := range worlds {
		got := eval[string](w, `document.cookie + "|" + localStorage.length + "|" + sessionStorage.length`, false)
		if got != "|0|0" {
			t.Errorf("%s: document.cookie|localStorage|sessionStorage = %q, want empty", w.name, got)
		}
	}
}

// checkClean checks the requests and problems recorded so far, allowing those that
// the test expects (substrings of the problem text), that every request went to
// the API or the partner, and that none sent the API the partner page's address
// (the snippets set referrerpolicy="no-referrer").
func (b *browserTab) checkClean(expected ...string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		if !slices.ContainsFunc(expected, func(s string) bool { return strings.Contains(p, s) }) {
			b.t.Errorf("%s", p)
		}
	}
	for _, r := range b.requests {
		u, err := url.Parse(r.URL)
		switch {
		case err != nil:
			b.t.Errorf("request to a bad URL %q", r.URL)
		case u.Scheme == "data" || u.Scheme == "about":
		case !slices.Contains(b.e.hosts, u.Host):
			b.t.Errorf("request to another host: %s", r.URL)
		case u.Host == b.e.hosts[0] && r.ReferrerPolicy != network.RequestReferrerPolicyNoReferrer && !slices.Contains(b.byTest, r):
			b.t.Errorf("request to the API with referrer policy %q: %s", r.ReferrerPolicy, r.URL)
		}
	}
}

func (b *browserTab) apiRequests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, r := range b.requests {
		if u, err := url.Parse(r.URL); err == nil && u.Host == b.e.hosts[0] {
			out = append(out, u.Path)
		}
	}
	return out
}

// checkReflow checks that the document (and, for a world in the partner page, the
// widget) needs no horizontal scrolling.
func checkReflow(t *testing.T, w world, what string) {
	t.Helper()
	r := eval[[]int](w, `(function(){var s=document.scrollingElement;var h=document.querySelector(".signpost-helplines");
		return [s.scrollWidth,s.clientWidth,h?h.scrollWidth:0,h?h.clientWidth:0]})()`, false)
	if r[0] > r[1] || r[2] > r[3] {
		t.Errorf("%s: scrolls sideways: document %d > %d or widget %d > %d", what, r[0], r[1], r[2], r[3])
	}
}

// checkZoom checks the reflow at 640 CSS pixels (a 1280-pixel window at 200%), and
// with the page's own zoom at 2 on top of that.
func checkZoom(t *testing.T, b *browserTab, w world, what string) {
	t.Helper()
	b.viewport(640, 2)
	checkReflow(t, w, what+" at 640px (200% zoom)")
	eval[chromedp.Void](w, `document.documentElement.style.zoom="2";0`, false)
	checkReflow(t, w, what+" at 640px with CSS zoom 2")
	eval[chromedp.Void](w, `document.documentElement.style.zoom="";0`, false)
}

// readmeShots are the screenshots that the README shows, and the folders they go to
// with SIGNPOST_UPDATE_SCREENSHOTS. The others go to the test's temporary folder.
var readmeShots = map[string]string{
	"script-light-1024.png":                       filepath.Join("..", "widget", "screenshots"),
	"script-dark-320.png":                         filepath.Join("..", "widget", "screenshots"),
	"page-helplines-stop-it-now-320.png":          filepath.Join("..", "pages", "screenshots"),
	"page-articles-" + feedSeedSlug + "-1024.png": filepath.Join("..", "pages", "screenshots"),
}

func (b *browserTab) screenshot(name string) {
	b.t.Helper()
	png := run(b, "screenshot", chromedp.FullScreenshot(100))
	dir := b.e.tmpDir
	if readme, ok := readmeShots[name]; ok && b.e.updateShots {
		dir = readme
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s (%d bytes)", p, len(png))
}

// focusJS describes the focused element, through iframes' worlds and shadow roots:
// its text, whether its outline is a visible one, and the contrast of the outline
// with the background around it.
const focusJS = `(function(){
	var a=document.activeElement;
	while(a&&a.shadowRoot&&a.shadowRoot.activeElement){a=a.shadowRoot.activeElement}
	if(!a||a===document.body||!document.hasFocus()){return null}
	var rgb=function(c){var m=c.match(/[\d.]+/g).map(Number);return m.length>3&&m[3]===0?null:m};
	var lum=function(m){var f=function(v){v/=255;return v<=0.03928?v/12.92:Math.pow((v+0.055)/1.055,2.4)};return 0.2126*f(m[0])+0.7152*f(m[1])+0.0722*f(m[2])};
	var bg=null;
	for(var e=a.parentNode;e&&!bg;e=e.parentNode||e.host){if(e.nodeType===1){bg=rgb(getComputedStyle(e).backgroundColor)}}
	bg=bg||[255,255,255];
	var s=getComputedStyle(a);var o=rgb(s.outlineColor)||bg;
	var l1=lum(o),l2=lum(bg);
	return {text:a.textContent.replace(/\s+/g," ").trim(),tag:a.tagName,style:s.outlineStyle,width:parseFloat(s.outlineWidth),contrast:(Math.max(l1,l2)+0.05)/(Math.min(l1,l2)+0.05)};
})()`

type focused struct {
	Text     string  `json:"text"`
	Tag      string  `json:"tag"`
	Style    string  `json:"style"`
	Width    float64 `json:"width"`
	Contrast float64 `json:"contrast"`
}

// checkKeyboard tabs through the page and checks that every link and button of the
// widget is reached, in order, each with a visible focus outline of 3:1 contrast or
// more.
func checkKeyboard(t *testing.T, b *browserTab, w world, root string) {
	t.Helper()
	want := eval[[]string](w, `Array.prototype.slice.call(`+root+`.querySelectorAll("a[href],button")).map(function(a){return a.textContent.replace(/\s+/g," ").trim()})`, false)
	var got []string
	for range len(want) + 1 {
		run(b, "press Tab", chromedp.KeyEvent(kb.Tab))
		f := eval[*focused](w, focusJS, false)
		if f == nil {
			continue
		}
		got = append(got, f.Text)
		if f.Style == "none" || f.Width < 2 || f.Contrast < 3 {
			t.Errorf("focus on %s %q is not visible enough: outline %s %.0fpx, contrast %.1f:1", f.Tag, f.Text, f.Style, f.Width, f.Contrast)
		}
	}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("Tab reached %q, want every link and button in order: %q", got, want)
	}
}

func TestEmbedBrowser(t *testing.T) {
	e := startEmbedEnv(t)

	for _, theme := range []string{"light", "dark"} {
		t.Run("OKIframe/"+theme, func(t *testing.T) {
			b := e.newTab(t)
			b.open("/iframe?region=cumbria&theme="+theme, 1024)
			main, frame := b.worlds()
			if frame == nil {
				t.Fatal("the partner page has no frame")
			}
			r := extract(*frame, "document")
			checkCards(t, r)
			checkAxe(t, *frame, "iframe, "+theme)
			checkAxe(t, main, "partner page with the iframe, "+theme)
			checkPrivate(t, b, main, *frame)
			b.screenshot("iframe-" + theme + "-1024.png")
			b.viewport(320, 1)
			checkReflow(t, *frame, "iframe at 320px")
			b.screenshot("iframe-" + theme + "-320.png")
			checkZoom(t, b, *frame, "iframe")
			b.checkClean()
			if got := b.apiRequests(); !slices.Equal(got, []string{"/embed/helplines"}) {
				t.Errorf("requests to the API %q, want the page alone", got)
			}
		})

		t.Run("OKScript/"+theme, func(t *testing.T) {
			b := e.newTab(t)
			b.open("/script?region=cumbria&theme="+theme, 1024)
			main, _ := b.worlds()
			r := extract(main, shadowRoot)
			checkCards(t, r)
			checkAxe(t, main, "partner page with the script, "+theme)
			checkPrivate(t, b, main)
			b.screenshot("script-" + theme + "-1024.png")
			b.viewport(320, 1)
			checkReflow(t, main, "script at 320px")
			b.screenshot("script-" + theme + "-320.png")
			checkZoom(t, b, main, "script")
			b.checkClean()
			if got := b.apiRequests(); !slices.Equal(got, []string{"/embed/helplines.js", "/embed/helplines.json"}) {
				t.Errorf("requests to the API %q, want the script and its JSON", got)
			}
			// The script leaves no name in the page's global scope.
			globals := eval[[]string](main, `Object.keys(window).filter(function(k){return /signpost|^D$|^api$|^render$/i.test(k)})`, false)
			if len(globals) != 0 {
				t.Errorf("the script left globals: %q", globals)
			}
		})
	}

	t.Run("OKSameCards", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/iframe?region=cumbria&audience=general-public", 1024)
		_, frame := b.worlds()
		fromFrame := extract(*frame, "document")
		b.open("/script?region=cumbria&audience=general-public", 1024)
		main, _ := b.worlds()
		fromScript := extract(main, shadowRoot)
		a, _ := json.Marshal(fromFrame)
		s, _ := json.Marshal(fromScript)
		if string(a) != string(s) {
			t.Errorf("the two widgets differ:\niframe %s\nscript %s", a, s)
		}
		b.checkClean()
	})

	t.Run("OKKeyboard", func(t *testing.T) {
		b := e.newTab(t)
		// The iframe page as a whole page, with the exit link first.
		b.viewport(1024, 1)
		run(b, "open the embed page", chromedp.Navigate(e.app.URL+"/embed/helplines?region=cumbria&quick_exit=1"))
		main, _ := b.worlds()
		checkAxe(t, main, "embed page on its own")
		checkKeyboard(t, b, main, "document")
		for _, theme := range []string{"light", "dark"} {
			b.open("/script?region=cumbria&quick-exit&theme="+theme, 1024)
			main, _ = b.worlds()
			checkKeyboard(t, b, main, shadowRoot)
		}
		b.checkClean()
	})

	// The partner's pages send their full address to any site (unsafe-url): what a
	// plain navigation from them tells the neutral site, and what the quick exit
	// must not.
	t.Run("OKRefererControl", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/before?pupil=42", 1024)
		e.takeReferers()
		main, _ := b.worlds()
		eval[chromedp.Void](main, `location.replace(`+strconv.Quote(e.neutral.URL+"/weather")+`);0`, true)
		b.waitLocation(e.neutral.URL + "/weather")
		if got := e.takeReferers(); !slices.Equal(got, []string{e.partner.URL + "/before?pupil=42"}) {
			t.Errorf("a plain navigation from the partner's page sent Referer %q, want its full address: the test would prove nothing", got)
		}
		b.checkClean()
	})

	t.Run("OKQuickExitScript", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/script?region=cumbria&quick-exit&pupil=42", 1024)
		e.takeReferers()
		main, _ := b.worlds()
		r := extract(main, shadowRoot)
		if !slices.Equal(r.Exit, []string{"Exit this page (or press Shift 3 times)"}) {
			t.Fatalf("exit button %q", r.Exit)
		}
		before := run(b, "read the history", chromedp.NavigationEntries())
		// Keyboard: the button is the first stop; Enter presses it.
		run(b, "press Tab", chromedp.KeyEvent(kb.Tab))
		if f := eval[*focused](main, focusJS, false); f == nil || f.Tag != "BUTTON" {
			t.Fatalf("the first Tab stop is %+v, want the exit button", f)
		}
		run(b, "press Enter", chromedp.KeyEvent(kb.Enter))
		b.waitLocation(e.neutral.URL + "/weather")
		e.checkNoReferer(t)
		after := run(b, "read the history", chromedp.NavigationEntries())
		if len(after.Entries) != len(before.Entries) {
			t.Errorf("history went from %d to %d entries; the exit must replace the page", len(before.Entries), len(after.Entries))
		}
		for _, en := range after.Entries {
			if strings.Contains(en.URL, "/script") {
				t.Errorf("the partner page is still in the history: %q", en.URL)
			}
		}
		b.checkClean()
	})

	t.Run("OKQuickExitShift", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/script?region=cumbria&quick-exit&pupil=42", 1024)
		e.takeReferers()
		// Shift, Shift, a, Shift: another key between restarts the count.
		run(b, "type", chromedp.KeyEvent(kb.Shift+kb.Shift+"a"+kb.Shift))
		time.Sleep(300 * time.Millisecond)
		if loc := run(b, "read the location", chromedp.Location()); !strings.Contains(loc, "/script") {
			t.Fatalf("left the page after Shift, Shift, a, Shift: %s", loc)
		}
		run(b, "type", chromedp.KeyEvent("a"+kb.Shift+kb.Shift+kb.Shift))
		b.waitLocation(e.neutral.URL + "/weather")
		e.checkNoReferer(t)
		b.checkClean()
	})

	// The iframe's exit: a link to the neutral site in the whole window, which its
	// script turns into a replacement of the partner's page, so that Back goes to
	// the page before it, and the history does not grow. In a sandbox that allows
	// top navigation on a user's action and scripts, the same; in one without
	// scripts, the plain link still leaves, but adds a history entry.
	for _, tt := range []struct {
		name, sandbox string
		how           string // click, Enter or Space
		replaces      bool
	}{
		{"Click", "", "click", true},
		{"Enter", "", "Enter", true},
		{"Space", "", "Space", true},
		{"SandboxClick", "allow-scripts allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox", "click", true},
		{"SandboxSpace", "allow-scripts allow-top-navigation-by-user-activation", "Space", true},
		{"SandboxNoScriptClick", "allow-top-navigation-by-user-activation", "click", false},
	} {
		t.Run("OKQuickExitIframe/"+tt.name, func(t *testing.T) {
			b := e.newTab(t)
			b.viewport(1024, 1)
			run(b, "navigate to the page before", chromedp.Navigate(e.partner.URL+"/before"))
			query := url.Values{"region": {"cumbria"}, "quick_exit": {"1"}, "pupil": {"42"}}
			if tt.sandbox != "" {
				query.Set("sandbox", tt.sandbox)
			}
			partner := e.partner.URL + "/iframe?" + query.Encode()
			b.open(strings.TrimPrefix(partner, e.partner.URL), 1024)
			main, frame := b.worlds()
			r := extract(*frame, "document")
			if !slices.Equal(r.Exit, []string{"Exit this page"}) {
				t.Fatalf("exit link %q", r.Exit)
			}
			// The link that works without JavaScript is still there.
			link := eval[[]string](*frame, `(function(){var a=document.querySelector("a.sp-exit");return [a.href,a.target,a.rel]})()`, false)
			if want := []string{e.neutral.URL + "/weather", "_top", "noreferrer"}; !slices.Equal(link, want) {
				t.Errorf("exit link href, target, rel %q, want %q", link, want)
			}
			// Its script is allowed by its hash alone.
			b.mu.Lock()
			var csp string
			for u, p := range b.csp {
				if strings.HasPrefix(u, e.app.URL+"/embed/helplines?") {
					csp = p
				}
			}
			b.mu.Unlock()
			var scriptSrc string
			for d := range strings.SplitSeq(csp, ";") {
				if d = strings.TrimSpace(d); strings.HasPrefix(d, "script-src ") {
					scriptSrc = d
				}
			}
			if scriptSrc != "script-src "+widget.FrameScriptHash+" "+widget.ExitScriptHash || !strings.HasPrefix(widget.ExitScriptHash, "'sha256-") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("the embed page's CSP is %q; want script-src with the height and exit scripts' sha256 hashes alone", csp)
			}

			e.takeReferers()
			lengthBefore := eval[int](main, `history.length`, false)
			before := run(b, "read the history", chromedp.NavigationEntries())
			switch tt.how {
			case "click": // a real click, in the frame
				xy := eval[[]float64](main, `(function(){var r=document.querySelector("iframe").getBoundingClientRect();return [r.left,r.top]})()`, false)
				at := eval[[]float64](*frame, `(function(){var r=document.querySelector(".sp-exit").getBoundingClientRect();return [r.left+r.width/2,r.top+r.height/2]})()`, false)
				run(b, "click the exit link", chromedp.MouseClickXY(xy[0]+at[0], xy[1]+at[1]))
			default: // the link is the first Tab stop, in the frame
				run(b, "press Tab", chromedp.KeyEvent(kb.Tab))
				if f := eval[*focused](*frame, focusJS, false); f == nil || f.Text != "Exit this page" {
					t.Fatalf("the first Tab stop is %+v, want the exit link", f)
				}
				key := kb.Enter
				if tt.how == "Space" {
					key = " "
				}
				run(b, "press "+tt.how, chromedp.KeyEvent(key))
			}
			b.waitLocation(e.neutral.URL + "/weather")
			e.checkNoReferer(t)

			main, _ = b.worlds()
			lengthAfter := eval[int](main, `history.length`, false)
			after := run(b, "read the history", chromedp.NavigationEntries())
			wantLength, wantEntries := lengthBefore, len(before.Entries)
			if !tt.replaces {
				wantLength, wantEntries = lengthBefore+1, len(before.Entries)+1
			}
			if lengthAfter != wantLength || len(after.Entries) != wantEntries {
				t.Errorf("history.length went from %d to %d and the entries from %d to %d; want %d and %d", lengthBefore, lengthAfter, len(before.Entries), len(after.Entries), wantLength, wantEntries)
			}
			if tt.replaces && slices.ContainsFunc(after.Entries, func(en *cdppage.NavigationEntry) bool { return en.URL == partner }) {
				t.Errorf("the partner's page is still in the history: %q", partner)
			}

			// Back: to the page before the partner's, not to the partner's (but for
			// the plain link's history entry).
			// (history.back, as NavigateBack waits for a load event, which a page
			// from the back-forward cache does not fire.)
			eval[chromedp.Void](main, `history.back();0`, true)
			wantBack := e.partner.URL + "/before"
			if !tt.replaces {
				wantBack = partner
			}
			b.waitLocation(wantBack)
			if tt.replaces {
				b.checkClean()
			} else {
				b.checkClean("Blocked script execution")
			}
		})
	}

	// The iframe tells the partner's page its height, and the lines that oEmbed
	// gives with it size the frame to fit: no scrolling inside it, no space below.
	t.Run("OKHeight", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/oembed?region=cumbria", 1024)
		main, frame := b.worlds()
		if frame == nil {
			t.Fatal("the partner page has no frame")
		}
		if h := eval[string](main, `document.querySelector("iframe").getAttribute("height")`, false); h != "720" {
			t.Fatalf("the oEmbed iframe's height is %q, want oEmbed's 720", h)
		}
		for _, width := range []int64{1024, 320} {
			b.viewport(width, 1)
			// The frame fits when its content needs no scrolling, and would need it
			// were the frame a pixel shorter: the height the page has without the
			// body's min-height (100vh, for the background).
			fits := `(function(){var d=document.scrollingElement,b=document.body;
				var fits=d.scrollHeight<=d.clientHeight;
				b.style.minHeight="0";var need=d.scrollHeight;b.style.minHeight="";
				return fits&&innerHeight-need<=1&&innerHeight>720})()`
			deadline := time.Now().Add(15 * time.Second)
			for !eval[bool](*frame, fits, false) {
				if time.Now().After(deadline) {
					got := eval[[]float64](*frame, `[innerHeight,document.scrollingElement.scrollHeight]`, false)
					t.Fatalf("at %dpx the frame does not fit its content: innerHeight, scrollHeight %v", width, got)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		// Each message is the height alone, from the API's origin.
		type message struct {
			Origin string         `json:"origin"`
			Data   map[string]any `json:"data"`
		}
		var msgs []message
		if err := json.Unmarshal([]byte(eval[string](main, `document.documentElement.getAttribute("data-messages")||"[]"`, false)), &msgs); err != nil || len(msgs) < 2 {
			t.Fatalf("messages %+v (%v): want one for each width", msgs, err)
		}
		for _, m := range msgs {
			h, ok := m.Data["height"].(float64)
			if m.Origin != e.app.URL || len(m.Data) != 2 || m.Data["signpost"] != "height" || !ok || h <= 0 {
				t.Errorf("message %+v: want {signpost: \"height\", height: N} from %s, and nothing else", m, e.app.URL)
			}
		}
		// A message from any other origin changes nothing.
		before := eval[string](main, `document.querySelector("iframe").style.height`, false)
		eval[chromedp.Void](main, `postMessage({signpost:"height",height:5},"*");0`, false)
		run(b, "wait for the message", chromedp.Poll[bool](`document.documentElement.getAttribute("data-messages").indexOf('"height":5')>0`, chromedp.WithPollingTimeout(5*time.Second)))
		if after := eval[string](main, `document.querySelector("iframe").style.height`, false); after != before {
			t.Errorf("a message from the partner's own origin changed the frame's height from %s to %s", before, after)
		}
		b.checkClean()
	})

	t.Run("OKFallbackNetworkError", func(t *testing.T) {
		b := e.newTab(t)
		call(b, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/embed/helplines.json*", Block: true}}})
		b.open("/script?region=cumbria", 1024)
		main, _ := b.worlds()
		r := extract(main, shadowRoot)
		checkFallback(t, r)
		checkAxe(t, main, "the script's fallback")
		b.checkClean("/embed/helplines.json", "Signpost helplines: ")
	})

	t.Run("OKFallbackBadAttribute", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/script?region=atlantis", 1024)
		main, _ := b.worlds()
		checkFallback(t, extract(main, shadowRoot))
		b.checkClean("/embed/helplines.json", `Signpost helplines: Invalid parameter "region"`)
	})
}

// TestEmbedBrowserOverLimit loads both widgets on a partner's page from an
// address that has spent the widget's rate limit, as a school's thousand visitors
// behind one address would: the emergency and national lines are there and can be
// called, in the iframe and from the script, and the visitor sees no error.
func TestEmbedBrowserOverLimit(t *testing.T) {
	e := startEmbedEnv(t, WithConfig(func(c *Config) { c.RateLimitEmbed = 5 }))
	// The test's requests come from 127.0.0.1, as the browser's do.
	mustExhaust(t, 5, func() (int, http.Header) {
		resp := e.app.Get(t, "/embed/helplines.json?region=cumbria")
		return resp.StatusCode, resp.Header
	})

	t.Run("OKIframe", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/iframe?region=cumbria&quick_exit=1", 1024)
		_, frame := b.worlds()
		if frame == nil {
			t.Fatal("the partner page has no frame")
		}
		r := extract(*frame, "document")
		checkFallback(t, r)
		if !slices.Equal(r.Exit, []string{"Exit this page"}) {
			t.Errorf("the quick exit is gone: %q", r.Exit)
		}
		checkDialable(t, *frame, "document")
		checkAxe(t, *frame, "the iframe's fallback")
		b.checkClean()
		if got := b.apiRequests(); !slices.Equal(got, []string{"/embed/helplines"}) {
			t.Errorf("requests to the API %q, want the page alone", got)
		}
	})

	t.Run("OKScript", func(t *testing.T) {
		b := e.newTab(t)
		b.open("/script?region=cumbria", 1024)
		main, _ := b.worlds()
		checkFallback(t, extract(main, shadowRoot))
		checkDialable(t, main, shadowRoot)
		// The JSON's 429 shows only in the console.
		b.checkClean("/embed/helplines.json", "Signpost helplines: ")
		if got := b.apiRequests(); !slices.Equal(got, []string{"/embed/helplines.js", "/embed/helplines.json"}) {
			t.Errorf("requests to the API %q, want the script and its JSON", got)
		}
	})
}

// checkDialable checks that 999, 101, Crimestoppers and Stop It Now! are each a
// visible call link under ROOT, not covered by anything.
func checkDialable(t *testing.T, w world, root string) {
	t.Helper()
	hrefs, _ := json.Marshal(fallbackNumbers)
	problems := eval[[]string](w, `(function(root,hrefs){return hrefs.map(function(h){
		var a=root.querySelector('a[href="'+h+'"]');
		if(!a){return h+": no link"}
		a.scrollIntoView({block:"center"});
		var r=a.getBoundingClientRect(),s=getComputedStyle(a);
		if(!(r.width>0&&r.height>0)||s.visibility!=="visible"||s.display==="none"||!a.textContent.trim()){return h+": not visible"}
		var hit=root.elementFromPoint(r.left+r.width/2,r.top+r.height/2);
		return hit===a||a.contains(hit)?"":h+": covered by "+(hit&&hit.tagName);
	}).filter(Boolean)})(`+root+`,`+string(hrefs)+`)`, false)
	for _, p := range problems {
		t.Errorf("not dialable: %s", p)
	}
}

// checkFallback checks the lines the script shows when it cannot read the JSON.
func checkFallback(t *testing.T, r rendered) {
	t.Helper()
	if !slices.Equal(r.Messages, []string{"Helplines could not be loaded just now."}) {
		t.Errorf("messages %q", r.Messages)
	}
	if len(r.Emergency) == 0 || r.Emergency[0].Href != "tel:999" {
		t.Errorf("the fallback lacks 999: %+v", r.Emergency)
	}
	var names []string
	for _, c := range r.Cards {
		names = append(names, c.Name)
		if len(c.Badges) > 0 && (strings.HasPrefix(c.Badges[0], "Open") || strings.HasPrefix(c.Badges[0], "Closed")) {
			t.Errorf("%s: the fallback cannot know whether a line is open: %q", c.Name, c.Badges)
		}
	}
	if want := []string{"Crimestoppers", "Police non-emergency number (101)", "Stop It Now! helpline"}; !slices.Equal(names, want) {
		t.Errorf("fallback lines %q, want %q", names, want)
	}
	checkTrust(t, r)
}

// waitLocation waits until the top page is at want.
func (b *browserTab) waitLocation(want string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		// Reading the location evaluates in the page, and fails while the page is
		// being replaced ("Inspected target navigated or closed"): during a
		// navigation that is not yet an answer, so ask again.
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		loc, err := chromedp.Run(ctx, chromedp.Location())
		cancel()
		if err == nil && loc == want {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the page is at %q (%v), want %s", loc, err, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
