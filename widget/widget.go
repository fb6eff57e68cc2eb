// Package widget holds the embeddable helpline widget's templates and assets: the
// HTML page for an <iframe> (page.html), the script that renders the same cards into
// a shadow root on any page (helplines.js), and the style sheet both share
// (widget.css). It also words a helpline's opening state ("Closed — opens Monday
// 9am") the same way for both.
//
// The iframe page needs no JavaScript. Where it runs, one small inline script
// (frame.js) tells the framing page the content's height, and with the quick exit a
// second (exit.js) makes the exit replace the partner's page in the history.
//
// The package knows nothing of the store or of HTTP: the handlers build the data and
// serve the bytes. It is called widget, not embed, so as not to shadow the standard
// library's embed package.
package widget

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // the templates and assets are compiled into the binary
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/js"

	"signpost/models/hours"
)

var (
	//go:embed page.html
	pageSource string
	//go:embed widget.css
	cssSource string
	//go:embed helplines.js
	scriptSource string
	//go:embed exit.js
	exitSource string
	//go:embed frame.js
	frameSource string
)

// CSS is the style sheet of both widgets, minified. The page inlines it in a <style> element; the script puts it in the shadow
// root.
var CSS = minifyCSS(cssSource)

// StyleHash is the CSP source ('sha256-…') of the page's one <style> element, so
// that the page's Content-Security-Policy can allow that style sheet and nothing else
// inline.
var StyleHash = cspHash(CSS)

// cspHash is the CSP hash source of an inline element's text.
func cspHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// ExitScript is the iframe page's quick-exit script, minified: the page inlines it
// in a <script> element when it has the "Exit this page" link. It reads the link's
// URL, so it is the same whatever the neutral site.
var ExitScript = minifyJS(exitSource)

// ExitScriptHash is the CSP source ('sha256-…') of ExitScript, so that the page's
// Content-Security-Policy can allow that script and nothing else.
var ExitScriptHash = cspHash(ExitScript)

// FrameScript is the iframe page's height script, minified: the page always inlines
// it, at the end of its body. It posts the content's height to the framing page.
var FrameScript = minifyJS(frameSource)

// FrameScriptHash is the CSP source ('sha256-…') of FrameScript.
var FrameScriptHash = cspHash(FrameScript)

// pageTemplate is page.html, parsed once. html/template escapes every value for its
// context; only URIs that pass safeURI become links.
var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"safeURI": safeURI,
	"css":     func() template.CSS { return template.CSS(CSS) },
	"exit":    func() template.JS { return template.JS(ExitScript) },
	"frame":   func() template.JS { return template.JS(FrameScript) },
}).Parse(pageSource))

// Page is what page.html shows. List is the handlers' list of lines (their JSON
// type); the template reads the fields Emergency, Helplines and National of it, and of
// each line Name, Description, For, Status (State, Text), Anonymous, Confidential,
// ConfidentialityNote, HoursText, CheckedText and Contacts (Label, Display, URI,
// Name, Meta, NewTab). The page always has FrameScript, so its CSP must allow
// FrameScriptHash.
type Page struct {
	// Dark selects the dark theme.
	Dark bool
	// QuickExitURL, when set, adds the "Exit this page" link to that neutral site,
	// and ExitScript; the page's CSP must then allow ExitScriptHash.
	QuickExitURL string
	// OEmbedURL is the page's oEmbed discovery URL; none when empty.
	OEmbedURL string
	// Message, when set, is said above the national lines instead of "No helplines
	// here match this choice.": the page then shows the fallback.
	Message string
	List    any
}

// WritePage renders the iframe page.
func WritePage(w io.Writer, p Page) error {
	return pageTemplate.Execute(w, p)
}

// scriptDataToken marks where the script takes its serve-time data.
const scriptDataToken = "__SIGNPOST_DATA__"

// scriptParts are helplines.js, minified, split around the data token (an unbound
// name, which the minifier keeps).
var scriptParts = func() [2]string {
	s := minifyJS(scriptSource)
	before, after, ok := strings.Cut(s, scriptDataToken)
	if !ok || strings.Contains(after, scriptDataToken) {
		panic("widget: helplines.js must hold " + scriptDataToken + " exactly once")
	}
	return [2]string{before, after}
}()

// Script returns helplines.js with data (a JSON object, from encoding/json, which
// escapes <, > and & and the JavaScript line separators) in place of its token.
func Script(data []byte) ([]byte, error) {
	if len(data) == 0 || data[0] != '{' {
		return nil, errors.New("widget: script data must be a JSON object")
	}
	var b bytes.Buffer
	b.Grow(len(scriptParts[0]) + len(data) + len(scriptParts[1]))
	b.WriteString(scriptParts[0])
	b.Write(data)
	b.WriteString(scriptParts[1])
	return b.Bytes(), nil
}

// safeSchemes are the URI schemes a contact may link to. html/template would refuse
// tel: and sms:, which are the point of a helpline card; anything else (javascript:,
// data:) is shown as text, never as a link.
var safeSchemes = []string{"tel:", "sms:", "mailto:", "https://", "http://"}

// SafeURI reports whether a contact's URI may become a link.
func SafeURI(uri string) bool {
	l := strings.ToLower(uri)
	for _, s := range safeSchemes {
		if strings.HasPrefix(l, s) && len(l) > len(s) {
			return !strings.ContainsAny(uri, " \t\r\n\"'<>`")
		}
	}
	return false
}

func safeURI(uri string) template.URL {
	if !SafeURI(uri) {
		return ""
	}
	return template.URL(uri)
}

// Checked words when a line's details were last checked: "Details last checked: 3
// March 2027", the date in the line's time zone, or "not recorded" when unknown.
func Checked(at *time.Time, timezone string) string {
	if at == nil {
		return "Details last checked: not recorded"
	}
	return "Details last checked: " + at.In(hours.LocationOrDefault(timezone)).Format("2 January 2006")
}

// Opening states of a helpline, for the badge's class and shape.
const (
	StateOpen    = "open"    // open now, and closes within the week
	StateAlways  = "always"  // open 24 hours (no change ahead)
	StateClosed  = "closed"  // closed now
	StateUnknown = "unknown" // no published hours
)

// Status words whether a line is open at now, given open_now and next_change_at as
// the API computes them (open nil: the hours are unknown) and the time zone of its
// hours: "Open 24 hours", "Open now — closes 9pm", "Closed — opens Monday 9am",
// "Hours not published". Times are the helpline's local times; see hours.When.
func Status(open *bool, next *time.Time, timezone string, now time.Time) (state, text string) {
	loc := hours.LocationOrDefault(timezone)
	switch {
	case open == nil:
		return StateUnknown, "Hours not published"
	case *open && next == nil:
		return StateAlways, "Open 24 hours"
	case *open && next.Sub(now) > 7*24*time.Hour:
		return StateOpen, "Open now"
	case *open:
		return StateOpen, "Open now — closes " + hours.When(*next, loc, now)
	case next == nil:
		return StateClosed, "Closed"
	default:
		return StateClosed, "Closed — opens " + hours.When(*next, loc, now)
	}
}

// minifier shrinks the style sheet and the script once, at start-up, so that the
// sources stay readable and the served files stay small.
var minifier = func() *minify.M {
	m := minify.New()
	m.Add("text/css", &css.Minifier{})
	m.Add("text/javascript", &js.Minifier{KeepVarNames: false})
	return m
}()

func minifyCSS(s string) string {
	out, err := minifier.String("text/css", s)
	if err != nil {
		panic("widget: minify widget.css: " + err.Error())
	}
	return out
}

func minifyJS(s string) string {
	out, err := minifier.String("text/javascript", s)
	if err != nil {
		panic("widget: minify a script: " + err.Error())
	}
	return out
}
