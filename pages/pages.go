// Package pages holds Signpost's pages for people: an article (/articles/{slug}), a
// helpline (/helplines/{slug}) and the page a browser gets for an address where
// neither is. They are plain HTML made on the server, with schema.org JSON-LD for
// search engines and a canonical link; they need no JavaScript, set no cookies and
// load nothing from any other host.
//
// They share the widget's style sheet (its colours, badges and contact lists) and
// its quick exit: a link to a neutral site that, where JavaScript runs, replaces the
// page in the history (widget.ExitScript). Their Content-Security-Policy (CSP) allows
// that script and their one style sheet by hash, and nothing else.
//
// Like the widget, the package knows nothing of the store or of HTTP: the handlers
// build the data and serve the bytes.
package pages

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // the templates and the style sheet are compiled into the binary
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"golang.org/x/net/html"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"signpost/models/hours"
	"signpost/widget"
)

var (
	//go:embed layout.html
	layoutSource string
	//go:embed article.html
	articleSource string
	//go:embed helpline.html
	helplineSource string
	//go:embed notfound.html
	notFoundSource string
	//go:embed pages.css
	cssSource string
)

// CSS is the pages' one style sheet: the widget's, then their own, minified. Each
// page inlines it in a <style> element.
var CSS = widget.CSS + minifyCSS(cssSource)

// StyleHash is the CSP source ('sha256-…') of CSS.
var StyleHash = cspHash(CSS)

// CSP is the pages' Content-Security-Policy: nothing may load or run but their own
// style sheet and the quick exit's script (by hash, never 'unsafe-inline'), and the
// data: favicon that stops browsers asking for /favicon.ico. No site may frame them:
// the widget is the page made for frames. The JSON-LD is data, which no policy runs.
var CSP = "default-src 'none'; script-src " + widget.ExitScriptHash + "; style-src " + StyleHash +
	"; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func cspHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// london is where dates are worded: the articles are British news.
var london = hours.LocationOrDefault(hours.DefaultTimezone)

// templates are the three pages, parsed once with the layout they share.
// html/template escapes every value for its context; only URIs that pass
// widget.SafeURI become contact links.
var templates = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"css":  func() template.CSS { return template.CSS(CSS) },
		"exit": func() template.JS { return template.JS(widget.ExitScript) },
		"safeURI": func(uri string) template.URL {
			if !widget.SafeURI(uri) {
				return ""
			}
			return template.URL(uri)
		},
		"jsonld": jsonLD,
		"body":   func(s string) template.HTML { return template.HTML(withoutImages(s)) },
		"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"date":   func(t time.Time) string { return t.In(london).Format("2 January 2006") },
		"deref":  func(v *int64) string { return strconv.FormatInt(*v, 10) },
		"join":   func(s []string) string { return strings.Join(s, ", ") },
	}
	layout := template.Must(template.New("layout").Funcs(funcs).Parse(layoutSource))
	out := map[string]*template.Template{}
	for name, src := range map[string]string{"article": articleSource, "helpline": helplineSource, "notfound": notFoundSource} {
		out[name] = template.Must(template.Must(layout.Clone()).New(name).Parse(src))
	}
	return out
}()

// Head is what every page says about itself in its <head>, and its quick exit.
type Head struct {
	// Title is the page's title, without the site's name.
	Title       string
	Description string
	// Canonical is the page's own absolute URL, without a query.
	Canonical string
	// Alternate is the item in the JSON API; none when empty.
	Alternate string
	// OEmbed is the page's oEmbed discovery URL; none when empty.
	OEmbed string
	// QuickExitURL is the neutral site of the "Exit this page" link.
	QuickExitURL string
	// JSONLD is the page's schema.org description (a NewsArticle or an
	// Organization), written as JSON in a <script type="application/ld+json">;
	// none when nil.
	JSONLD any
}

// Link is a link to another page.
type Link struct {
	Name string
	URL  string
}

// Outcome is one measured result of an article; Value is nil when the source gives
// no count.
type Outcome struct {
	Label string
	Value *int64
	Note  string
}

// Article is what the article page shows.
type Article struct {
	Head
	Title   string
	Summary string
	// BodyHTML is the article's body as the store keeps it, sanitised when it was
	// written. The page leaves out its pictures (their alt text stays), which would
	// load from other hosts.
	BodyHTML  string
	Published time.Time
	// Updated is shown when it is on a later day than Published; zero for none.
	Updated time.Time
	// Publisher is the name of the organisation that first published the report.
	Publisher   string
	SourceURL   string
	Attribution string
	// SourceDate is the original report's date, worded; "" when not known.
	SourceDate    string
	Regions       []string
	Topics        []string
	Campaigns     []string
	Organisations []string
	Helplines     []Link
	Outcomes      []Outcome
}

// Status is a line's opening state (widget.Status).
type Status struct {
	State string
	Text  string
}

// Contact is one way to reach a line, ready to show as a link: the fields of the
// widget's cards.
type Contact struct {
	Label   string
	Display string
	URI     string
	// Name is the link's accessible name, which contains Display.
	Name string
	Meta []string
	// NewTab is set for web links, which open in a new tab.
	NewTab bool
}

// Helpline is what the helpline page shows.
type Helpline struct {
	Head
	Name         string
	Organisation string
	Description  string
	Status       *Status
	Anonymous    bool
	Confidential bool
	// ConfidentialityNote says the limits of the line's anonymity or
	// confidentiality, right after those badges.
	ConfidentialityNote string
	Contacts            []Contact
	HoursText           string
	For                 []string
	Languages           []string
	Interpreters        string
	Coverage            []string
	Topics              []string
	Website             string
	// Checked words when the details were last checked (widget.Checked).
	Checked string
}

// NotFound is what the page for a missing article or helpline shows: what was
// asked for, and the lines that can help whatever it was.
type NotFound struct {
	Head
	// What is "article" or "helpline".
	What  string
	Lines []NotFoundLine
}

// NotFoundLine is a helpline as the not-found page lists it.
type NotFoundLine struct {
	Name     string
	URL      string
	Contacts []Contact
}

// WriteArticle renders the article page.
func WriteArticle(w io.Writer, a Article) error { return templates["article"].Execute(w, a) }

// WriteHelpline renders the helpline page.
func WriteHelpline(w io.Writer, h Helpline) error { return templates["helpline"].Execute(w, h) }

// WriteNotFound renders the not-found page.
func WriteNotFound(w io.Writer, n NotFound) error { return templates["notfound"].Execute(w, n) }

// jsonLD writes v as the text of a <script type="application/ld+json">.
// encoding/json escapes <, > and & (and the JavaScript line separators), so the
// text can never end the element: "</script" comes out as "\u003c/script".
func jsonLD(v any) (template.JS, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return template.JS(b), nil
}

// withoutImages returns sanitised HTML without its <img> elements, each replaced
// by its alt text, so that the page loads nothing from the hosts they name. The rest
// is copied byte for byte.
func withoutImages(s string) string {
	if !strings.Contains(strings.ToLower(s), "<img") {
		return s
	}
	var b bytes.Buffer
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		raw := append([]byte(nil), z.Raw()...)
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			if t := z.Token(); t.Data == "img" {
				for _, a := range t.Attr {
					if a.Key == "alt" && strings.TrimSpace(a.Val) != "" {
						b.WriteString(html.EscapeString("[Picture: " + strings.TrimSpace(a.Val) + "]"))
					}
				}
				continue
			}
		}
		b.Write(raw)
	}
}

// LanguageName is the English name of a language given by its BCP 47 tag ("cy":
// "Welsh"), or the tag itself when it has none.
func LanguageName(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if name := display.English.Tags().Name(t); name != "" {
		return name
	}
	return tag
}

var minifier = func() *minify.M {
	m := minify.New()
	m.Add("text/css", &css.Minifier{})
	return m
}()

func minifyCSS(s string) string {
	out, err := minifier.String("text/css", s)
	if err != nil {
		panic("pages: minify pages.css: " + err.Error())
	}
	return out
}
