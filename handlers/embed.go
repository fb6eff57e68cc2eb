package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"signpost/models/hours"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
	"signpost/widget"
)

// The embeddable widget: an HTML page for an <iframe>, a script that renders the same
// cards on any page, the JSON that script reads, and oEmbed for the page. The
// templates and assets are in the widget package; this file loads the lines and
// words them for people (who a line is for, whether it is open, how to call it).

// Defaults of the embed options.
const (
	DefaultEmbedFrameAncestors = "*"
	DefaultQuickExitURL        = "https://www.bbc.co.uk/weather"
)

const (
	embedDefaultLimit = 4
	embedMaxLimit     = 20
	// embedScriptCacheControl lets browsers and caches keep the script for an hour;
	// its national lines follow the data, so its ETag changes when they are edited.
	embedScriptCacheControl = "public, max-age=3600, stale-while-revalidate=86400"
	// oEmbed's default size of the iframe, in CSS pixels.
	oembedWidth  = 480
	oembedHeight = 720
	oembedMax    = 10000
)

// embedFilterParams are the query parameters of the widget's JSON: the helpline
// list's filters and a small limit. The page adds its presentation.
var (
	embedFilterParams = []string{"region", "topic", "audience", "channel", "open_now", "at", "limit"}
	embedPageParams   = append(append([]string{}, embedFilterParams...), "theme", "quick_exit")
)

// EmbedStatus is a line's opening state, worded in its own time zone.
type EmbedStatus struct {
	State string `json:"state" enums:"open,always,closed,unknown" example:"closed"`
	Text  string `json:"text" example:"Closed — opens Monday 9am"`
}

// EmbedContact is one way to reach a line, ready to show as a link.
type EmbedContact struct {
	Type    string `json:"type" enums:"phone,textphone,sms,webchat,email,web" example:"phone"`
	Label   string `json:"label" example:"Helpline (UK)"`
	Display string `json:"display" example:"0808 1000 900"`
	URI     string `json:"uri" format:"uri" example:"tel:+448081000900"`
	// Name is the link's accessible name: what it does and for which line.
	Name string `json:"name" example:"Call Stop It Now! helpline on 0808 1000 900"`
	// Meta are short notes: cost, a note, the channel's own hours.
	Meta []string `json:"meta" example:"Free from the UK"`
	// NewTab is set for web links, which open in a new tab; calls do not.
	NewTab bool `json:"new_tab" example:"false"`
}

// EmbedLine is a helpline as a card of the widget.
type EmbedLine struct {
	Slug        string `json:"slug" example:"stop-it-now"`
	Name        string `json:"name" example:"Stop It Now! helpline"`
	Description string `json:"description" example:"Confidential advice for anyone worried about child sexual abuse."`
	// For names the audiences.
	For string `json:"for" example:"Professionals, Adult survivors of child sexual abuse"`
	// Status is null in the script's baked-in fallback, where the time of the visit
	// is not known.
	Status       *EmbedStatus   `json:"status" extensions:"x-nullable"`
	Anonymous    bool           `json:"anonymous" example:"true"`
	Confidential bool           `json:"confidential" example:"true"`
	HoursText    string         `json:"hours_text" example:"Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)"`
	Contacts     []EmbedContact `json:"contacts"`

	// ConfidentialityNote says the limits of the line's anonymity or
	// confidentiality; the widgets show it beside those badges.
	ConfidentialityNote string `json:"confidentiality_note" example:"Information that identifies a child at risk is passed on."`
	// LastVerifiedAt and VerificationDue are the helpline's; CheckedText words
	// them for people, as the widgets show them.
	LastVerifiedAt  *time.Time `json:"last_verified_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	VerificationDue bool       `json:"verification_due" example:"false"`
	CheckedText     string     `json:"checked_text" example:"Details last checked: 31 January 2027"`
	// URL is the line's page for people (/helplines/{slug}), which the cards link to
	// as "More about …".
	URL string `json:"url" format:"uri" example:"https://signpost.example.org/helplines/stop-it-now"`
}

// EmbedList is what the widget shows: the emergency lines of the region above the
// cards, the cards (lines open now first), and, only when no line matches, the
// national lines to fall back on.
type EmbedList struct {
	Emergency []EmbedLine `json:"emergency"`
	Helplines []EmbedLine `json:"helplines"`
	National  []EmbedLine `json:"national"`
	// until is when the lines' states, as worded, stop being right.
	until time.Time
}

// shown notes a line the list shows, for until.
func (l *EmbedList) shown(m *models.Helpline) {
	if t := m.Until(); !t.IsZero() && (l.until.IsZero() || t.Before(l.until)) {
		l.until = t
	}
}

// EmbedListItem is the body of /embed/helplines.json.
type EmbedListItem struct {
	Data EmbedList `json:"data"`
}

// OEmbed is an oEmbed 1.0 response: of type rich for an embed page (html, width
// and height are the iframe's), of type link for an article's or a helpline's page.
type OEmbed struct {
	Type    string `json:"type" enums:"rich,link" example:"rich"`
	Version string `json:"version" enums:"1.0" example:"1.0"`
	Title   string `json:"title" example:"Helplines"`
	// AuthorName is who published the article or runs the helpline of a page.
	AuthorName   string `json:"author_name,omitempty" validate:"optional" example:"Lucy Faithfull Foundation"`
	ProviderName string `json:"provider_name" example:"Signpost"`
	ProviderURL  string `json:"provider_url" format:"uri" example:"https://signpost.example.org"`
	CacheAge     int    `json:"cache_age" example:"3600"`
	HTML         string `json:"html,omitempty" validate:"optional" example:"<iframe src=\"https://signpost.example.org/embed/helplines?region=cumbria\" title=\"Helplines from Signpost\" width=\"480\" height=\"720\" style=\"border:0;max-width:100%\" loading=\"lazy\" referrerpolicy=\"no-referrer\"></iframe><script>addEventListener(\"message\",…)</script>"`
	Width        int    `json:"width,omitempty" validate:"optional" example:"480"`
	Height       int    `json:"height,omitempty" validate:"optional" example:"720"`
}

// embedQuery is a parsed widget request.
type embedQuery struct {
	filter    models.HelplineFilter
	limit     int
	dark      bool
	quickExit bool
	values    url.Values // as given, all valid: the page's own URL is rebuilt from them
}

// parseEmbedQuery reads the widget's parameters from u, refusing any not in allowed.
// Slugs are checked against the data later, by the store.
func parseEmbedQuery(u *url.URL, allowed []string) (embedQuery, error) {
	q, err := parseQuery(u, allowed...)
	if err != nil {
		return embedQuery{}, err
	}
	var e embedQuery
	var errs [9]error
	e.filter.Region, errs[0] = q.slug("region")
	e.filter.Topic, errs[1] = q.slug("topic")
	e.filter.Audience, errs[2] = q.slug("audience")
	e.filter.Channel, errs[3] = q.oneOf("channel", models.ChannelTypes...)
	e.filter.OpenNow, errs[4] = q.boolean("open_now")
	e.filter.At, errs[5] = q.instant("at")
	e.quickExit, errs[6] = q.boolean("quick_exit")
	theme, err := q.oneOf("theme", "light", "dark")
	errs[7] = err
	e.dark = theme == "dark"
	e.limit = embedDefaultLimit
	if s, err := q.str("limit"); err != nil {
		errs[8] = err
	} else if s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > embedMaxLimit {
			errs[8] = models.BadParam("limit", "must be a whole number from 1 to %d", embedMaxLimit)
		}
		e.limit = n
	}
	if err := firstErr(errs[:]...); err != nil {
		return embedQuery{}, err
	}
	e.values = q.values
	return e, nil
}

// embedList loads what the widget shows at the query's moment (its at, else now).
// Emergency lines are always shown, above the cards, whatever the filters, so they
// are left out of the cards. It returns the store's EBADPARAM for unknown slugs.
// The cards' links to the lines' pages start with base.
func (h *Handler) embedList(ctx context.Context, q embedQuery, base string) (EmbedList, error) {
	now := q.filter.At
	if now.IsZero() {
		now = h.store.Now()
	}
	out := EmbedList{Emergency: []EmbedLine{}, Helplines: []EmbedLine{}, National: []EmbedLine{}}
	f := q.filter
	f.At, f.Limit = now, models.MaxLimit
	err := h.eachHelpline(ctx, f, func(m *models.Helpline) bool {
		if !m.Emergency {
			out.shown(m)
			out.Helplines = append(out.Helplines, embedLine(m, now, base))
		}
		return len(out.Helplines) < q.limit
	})
	if err != nil {
		return out, err
	}
	err = h.eachHelpline(ctx, models.HelplineFilter{Region: q.filter.Region, At: now, Limit: models.MaxLimit}, func(m *models.Helpline) bool {
		if m.Emergency {
			out.shown(m)
			out.Emergency = append(out.Emergency, embedLine(m, now, base))
		}
		return true
	})
	if err != nil {
		return out, err
	}
	if len(out.Helplines) == 0 {
		lines, err := h.store.Essentials(ctx)
		if err != nil {
			return out, err
		}
		for i := range lines {
			if !lines[i].Emergency {
				openAt(&lines[i], now)
				out.shown(&lines[i])
				out.National = append(out.National, embedLine(&lines[i], now, base))
			}
		}
	}
	return out, nil
}

// eachHelpline calls f for each published helpline of the filter, page by page, until
// f returns false.
func (h *Handler) eachHelpline(ctx context.Context, filter models.HelplineFilter, f func(*models.Helpline) bool) error {
	for {
		page, err := h.store.FindHelplines(ctx, filter)
		if err != nil {
			return err
		}
		for i := range page.Items {
			if !f(&page.Items[i]) {
				return nil
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		filter.Cursor = page.NextCursor
	}
}

// openAt computes a line's and its channels' opening state at t.
func openAt(m *models.Helpline, t time.Time) {
	m.OpenNow, m.NextChangeAt = m.Hours.State(t)
	for i := range m.Contacts {
		c := &m.Contacts[i]
		hours := m.Hours
		if c.Hours != nil {
			hours = *c.Hours
		}
		c.OpenNow, c.NextChangeAt = hours.State(t)
	}
}

// embedLine words a helpline for the widget, from its API form so that both say the
// same: open_now null means unknown hours, and a channel with hours of its own has
// its own hours_text. Its URL is its page under base.
func embedLine(m *models.Helpline, now time.Time, base string) EmbedLine {
	j := helplineJSON(m)
	tz := hours.DefaultTimezone
	if j.OpeningHours != nil && j.OpeningHours.Timezone != "" {
		tz = j.OpeningHours.Timezone
	}
	state, text := widget.Status(j.OpenNow, j.NextChangeAt, tz, now)
	l := EmbedLine{Slug: j.Slug, Name: j.Name, Description: j.Description, Status: &EmbedStatus{State: state, Text: text},
		Anonymous: j.Anonymous, Confidential: j.Confidential, ConfidentialityNote: j.ConfidentialityNote,
		HoursText: j.HoursText, Contacts: make([]EmbedContact, 0, len(j.Contacts)),
		LastVerifiedAt: j.LastVerifiedAt, VerificationDue: j.VerificationDue, CheckedText: widget.Checked(j.LastVerifiedAt, tz),
		URL: helplinePageURL(base, j.Slug)}
	names := make([]string, len(j.Audiences))
	for i, a := range j.Audiences {
		names[i] = a.Name
	}
	l.For = strings.Join(names, ", ")
	for _, c := range j.Contacts {
		ec := EmbedContact{Type: c.Type, Label: c.Label, Display: c.Display, URI: c.URI, Meta: []string{}}
		if ec.Display == "" {
			ec.Display = c.Value
		}
		if ec.Label == "" {
			ec.Label = contactLabels[c.Type]
		}
		low := strings.ToLower(c.URI)
		ec.NewTab = strings.HasPrefix(low, "https://") || strings.HasPrefix(low, "http://")
		ec.Name = contactName(j.Name, ec)
		for _, s := range []string{c.Cost, c.Note} {
			if s = strings.TrimSpace(s); s != "" {
				ec.Meta = append(ec.Meta, s)
			}
		}
		if c.HoursText != j.HoursText {
			hours := c.HoursText
			if hours == "" {
				hours = "not published"
			}
			ec.Meta = append(ec.Meta, "Hours: "+hours)
		}
		l.Contacts = append(l.Contacts, ec)
	}
	return l
}

var contactLabels = map[string]string{"phone": "Phone", "textphone": "Textphone", "sms": "Text",
	"webchat": "Web chat", "email": "Email", "web": "Website"}

// contactName is a contact link's accessible name: what the link does and for which
// line, containing the visible text (WCAG 2.5.3), e.g. "Call Stop It Now! helpline
// on 0808 1000 900".
func contactName(line string, c EmbedContact) string {
	switch c.Type {
	case "phone":
		return fmt.Sprintf("Call %s on %s", line, c.Display)
	case "textphone":
		return fmt.Sprintf("Call %s by textphone on %s", line, c.Display)
	case "sms":
		return fmt.Sprintf("Text %s on %s", line, c.Display)
	case "email":
		if !c.NewTab {
			return fmt.Sprintf("Email %s at %s", line, c.Display)
		}
	}
	name := c.Display
	if !strings.Contains(strings.ToLower(c.Display), strings.ToLower(c.Label)) {
		name += ": " + c.Label
	}
	name += ", " + line
	if c.NewTab {
		name += " (opens in a new tab)"
	}
	return name
}

// embedPage godoc
//
//	@Summary		Helpline cards for an iframe
//	@ID				getEmbedPage
//	@Description	A complete, self-contained HTML page of helpline cards for partner sites to put in an `<iframe>`: name, who it is for, phone numbers as `tel:` links, other channels, hours, an open/closed badge worded in the line's time zone, anonymous and confidential badges, and the region's emergency line above the cards. Takes the helpline list's filters. No cookies, fonts or requests to any other host, and no JavaScript but a few lines that post the page's height to the framing page and the quick exit's; its CSP allows only its own inline style sheet and those scripts by their hashes. Over the widget's rate limit it is still a 200: the emergency and national lines, with Cache-Control no-store. Frame it with `<iframe src="…/embed/helplines?region=cumbria" title="Helplines from Signpost" width="480" height="720" style="border:0;max-width:100%" referrerpolicy="no-referrer"></iframe>`. With quick_exit, an "Exit this page" link opens a neutral site in the whole window; where JavaScript runs, it replaces the partner's page (top.location.replace) so that Back does not return to it, and without JavaScript it is a plain link (target="_top"), which adds a history entry. A sandboxed iframe needs allow-top-navigation-by-user-activation, and allow-scripts for the replacement. Invalid parameters get a 400 problem, not a page, so that mistakes show when the embed is set up.
//	@Tags			embed
//	@Produce		html
//	@Param			region		query		string	false	"region slug; matches lines whose coverage contains it or any region above it"
//	@Param			topic		query		string	false	"topic slug"
//	@Param			audience	query		string	false	"audience slug"
//	@Param			channel		query		string	false	"contact channel"	Enums(phone, textphone, sms, webchat, email, web)
//	@Param			open_now	query		bool	false	"only lines open at the moment (or at `at`)"
//	@Param			at			query		string	false	"RFC 3339 time to show the lines for, instead of now"	format(date-time)
//	@Param			limit		query		int		false	"number of cards, 1-20"	default(4)	minimum(1)	maximum(20)
//	@Param			theme		query		string	false	"colour theme"	Enums(light, dark)	default(light)
//	@Param			quick_exit	query		bool	false	"add an Exit this page link to a neutral site, which replaces the partner's page where JavaScript runs"
//	@Success		200			{string}	string	"HTML page"
//	@Header			200			{string}	Content-Security-Policy	"default-src 'none'; script-src 'sha256-…' ('sha256-…' with quick_exit); style-src 'sha256-…'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors *"
//	@Header			200			{string}	ETag					"strong entity tag"
//	@Failure		400			{object}	Problem					"invalid parameter"
//	@Failure		500			{object}	Problem					"internal error"
//	@Router			/embed/helplines [get]
func (h *Handler) embedPage(c *gin.Context) {
	q, err := parseEmbedQuery(c.Request.URL, embedPageParams)
	if err != nil {
		WriteError(c, err)
		return
	}
	base := h.baseURL(c)
	list, err := h.embedList(c.Request.Context(), q, base)
	if err != nil {
		WriteError(c, err)
		return
	}
	dependsOn(c, "helpline")
	if q.filter.At.IsZero() {
		validUntil(c, list.until, h.store.Now)
	}
	p := widget.Page{Dark: q.dark, OEmbedURL: oembedURL(base, embedURL(base, q.values)), List: list}
	if q.quickExit {
		p.QuickExitURL = h.quickExitURL()
	}
	var buf bytes.Buffer
	if err := widget.WritePage(&buf, p); err != nil {
		WriteError(c, fmt.Errorf("embed page: %w", err))
		return
	}
	c.Header("Content-Security-Policy", h.embedCSP(q.quickExit))
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

// embedCSP is the page's policy: nothing may load or run but its own style sheet,
// its height script and, when the page has it, the quick exit's script (by hash,
// never 'unsafe-inline'), and the data: favicon that stops browsers asking for
// /favicon.ico; any site may frame it, unless the operator says otherwise.
func (h *Handler) embedCSP(quickExit bool) string {
	ancestors := h.opts.EmbedFrameAncestors
	if ancestors == "" {
		ancestors = DefaultEmbedFrameAncestors
	}
	script := "script-src " + widget.FrameScriptHash
	if quickExit {
		script += " " + widget.ExitScriptHash
	}
	return "default-src 'none'; " + script + "; style-src " + widget.StyleHash + "; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors " + ancestors
}

func (h *Handler) quickExitURL() string {
	if h.opts.QuickExitURL == "" {
		return DefaultQuickExitURL
	}
	return h.opts.QuickExitURL
}

// embedURL is the URL of the page under base with the given (validated) parameters.
func embedURL(base string, v url.Values) string {
	u := base + "/embed/helplines"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// oembedURL is the oEmbed discovery URL of an embed URL.
func oembedURL(base, embed string) string {
	return base + "/oembed?" + url.Values{"url": {embed}, "format": {"json"}}.Encode()
}

// HeightListener is the script a partner's page adds so that Signpost's iframes
// there take the height of their content: it listens for the page's height
// messages (see widget/frame.js), only from origin (e.g. https://signpost.example.org),
// and sizes the iframe that sent each one.
func HeightListener(origin string) string {
	o, _ := json.Marshal(origin) // a scheme and host: nothing to escape, but be sure
	return `<script>addEventListener("message",function(e){if(e.origin===` + string(o) +
		`&&e.data&&e.data.signpost==="height"&&typeof e.data.height==="number"){document.querySelectorAll("iframe").forEach(function(f){if(f.contentWindow===e.source){f.style.height=e.data.height+"px"}})}});</script>`
}

// originOf is the origin (scheme://host[:port]) of a base URL.
func originOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	return u.Scheme + "://" + u.Host
}

// embedJSON godoc
//
//	@Summary		Helpline cards as JSON, for the script widget
//	@ID				getEmbedJSON
//	@Description	What /embed/helplines shows, as data worded for people: the region's emergency lines, the cards (lines open now first) with their open/closed text and the accessible names of their links, and, when nothing matches, the national lines. The script widget reads it from any origin (Access-Control-Allow-Origin: *).
//	@Tags			embed
//	@Produce		json
//	@Param			region		query		string	false	"region slug; matches lines whose coverage contains it or any region above it"
//	@Param			topic		query		string	false	"topic slug"
//	@Param			audience	query		string	false	"audience slug"
//	@Param			channel		query		string	false	"contact channel"	Enums(phone, textphone, sms, webchat, email, web)
//	@Param			open_now	query		bool	false	"only lines open at the moment (or at `at`)"
//	@Param			at			query		string	false	"RFC 3339 time to show the lines for, instead of now"	format(date-time)
//	@Param			limit		query		int		false	"number of cards, 1-20"	default(4)	minimum(1)	maximum(20)
//	@Success		200			{object}	EmbedListItem
//	@Header			200			{string}	ETag	"strong entity tag"
//	@Failure		400			{object}	Problem	"invalid parameter"
//	@Failure		500			{object}	Problem	"internal error"
//	@Router			/embed/helplines.json [get]
func (h *Handler) embedJSON(c *gin.Context) {
	q, err := parseEmbedQuery(c.Request.URL, embedFilterParams)
	if err != nil {
		WriteError(c, err)
		return
	}
	list, err := h.embedList(c.Request.Context(), q, h.baseURL(c))
	if err != nil {
		WriteError(c, err)
		return
	}
	dependsOn(c, "helpline")
	if q.filter.At.IsZero() {
		validUntil(c, list.until, h.store.Now)
	}
	// The script reads this from the partner's page, whatever the CORS settings.
	c.Header("Access-Control-Allow-Origin", "*")
	c.JSON(http.StatusOK, EmbedListItem{Data: list})
}

// embedScript godoc
//
//	@Summary		Script that puts helpline cards on any page
//	@ID				getEmbedScript
//	@Description	A script element with src="…/embed/helplines.js", async and data-region="cumbria" renders the cards of /embed/helplines into a shadow root after its own tag, reading /embed/helplines.json from this service (attributes data-region, data-topic, data-audience, data-channel, data-open-now, data-limit, data-theme=light|dark, data-quick-exit). No global names, cookies or storage. When the JSON cannot be read (a 429 included) it shows the emergency and national lines built into the script when it was served; the script itself is served over the widget's rate limit too. With data-quick-exit, an "Exit this page" button (or pressing Shift three times) replaces the page with a neutral site so that Back does not return to it.
//	@Tags			embed
//	@Produce		text/javascript
//	@Success		200	{string}	string	"JavaScript"
//	@Header			200	{string}	ETag	"strong entity tag"
//	@Failure		400	{object}	Problem	"invalid parameter (the script takes none)"
//	@Failure		500	{object}	Problem	"internal error"
//	@Router			/embed/helplines.js [get]
func (h *Handler) embedScript(c *gin.Context) {
	if _, err := parseQuery(c.Request.URL); err != nil {
		WriteError(c, err)
		return
	}
	// Rendered afresh (this runs on a response cache miss), and kept for the
	// clients over the widget's rate limit.
	dependsOn(c, "helpline")
	set, err := h.fallback.fresh(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Header("Cache-Control", embedScriptCacheControl)
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", set.script.body)
}

// fallbackLine is a line as the script keeps it for when the API cannot be reached:
// the short form of an EmbedLine, without the opening state (the time of the visit
// is not known when the script is served), the channels' notes and, but for
// emergency lines, the description.
type fallbackLine struct {
	Name                string            `json:"name"`
	Description         string            `json:"description,omitempty"`
	Anonymous           bool              `json:"anonymous,omitempty"`
	Confidential        bool              `json:"confidential,omitempty"`
	ConfidentialityNote string            `json:"confidentiality_note,omitempty"`
	HoursText           string            `json:"hours_text,omitempty"`
	CheckedText         string            `json:"checked_text,omitempty"`
	Contacts            []fallbackContact `json:"contacts"`
	URL                 string            `json:"url"`
}

type fallbackContact struct {
	Label   string `json:"label"`
	Display string `json:"display"`
	URI     string `json:"uri"`
	Name    string `json:"name"`
	NewTab  bool   `json:"new_tab,omitempty"`
}

func newFallbackLine(l EmbedLine, emergency bool) fallbackLine {
	f := fallbackLine{Name: l.Name, Anonymous: l.Anonymous, Confidential: l.Confidential, ConfidentialityNote: l.ConfidentialityNote,
		HoursText: l.HoursText, CheckedText: l.CheckedText, Contacts: make([]fallbackContact, len(l.Contacts)), URL: l.URL}
	if emergency {
		f.Description = l.Description
	}
	for i, c := range l.Contacts {
		f.Contacts[i] = fallbackContact{Label: c.Label, Display: c.Display, URI: c.URI, Name: c.Name, NewTab: c.NewTab}
	}
	return f
}

// oembed godoc
//
//	@Summary		oEmbed for embed URLs
//	@ID				getOEmbed
//	@Description	oEmbed 1.0 (JSON) for the URLs of this service's /embed/helplines page: a rich response whose html is the iframe snippet, no larger than maxwidth × maxheight. The html also holds the few lines that size the iframe to its content. For an article's or a helpline's page (/articles/{slug}, /helplines/{slug}) it is a link response with the title and author_name. A URL that is none of these (under its public URL or, when none is set, the request's own), or a page of no published item, gets 404; format=xml gets 501, as the oEmbed specification asks.
//	@Tags			embed
//	@Produce		json
//	@Param			url			query		string	true	"an embed page or article or helpline page URL of this service, e.g. https://signpost.example.org/embed/helplines?region=cumbria"	format(uri)	example(http://localhost:8080/embed/helplines?region=cumbria)
//	@Param			maxwidth	query		int		false	"largest width in pixels"	minimum(1)	maximum(10000)
//	@Param			maxheight	query		int		false	"largest height in pixels"	minimum(1)	maximum(10000)
//	@Param			format		query		string	false	"response format"	Enums(json)	default(json)
//	@Success		200			{object}	OEmbed
//	@Header			200			{string}	ETag	"strong entity tag"
//	@Failure		400			{object}	Problem	"invalid parameter"
//	@Failure		404			{object}	Problem	"not an embed or page URL of this service, or no such item"
//	@Failure		501			{object}	Problem	"format not supported (only json is)"
//	@Failure		500			{object}	Problem	"internal error"
//	@Router			/oembed [get]
func (h *Handler) oembed(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, "url", "maxwidth", "maxheight", "format")
	if err != nil {
		WriteError(c, err)
		return
	}
	if format, err := q.str("format"); err != nil {
		WriteError(c, err)
		return
	} else if format != "" && format != "json" {
		notImplemented(c, fmt.Sprintf("oEmbed format %q is not supported; use json.", format))
		return
	}
	width, height := oembedWidth, oembedHeight
	for _, p := range []struct {
		name string
		size *int
	}{{"maxwidth", &width}, {"maxheight", &height}} {
		s, err := q.str(p.name)
		if err != nil {
			WriteError(c, err)
			return
		}
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > oembedMax {
			WriteError(c, models.BadParam(p.name, "must be a whole number of pixels from 1 to %d", oembedMax))
			return
		}
		*p.size = min(*p.size, n)
	}
	raw, err := q.str("url")
	if err != nil {
		WriteError(c, err)
		return
	}
	if raw == "" {
		WriteError(c, models.BadParam("url", "is required: the URL of an embed page"))
		return
	}
	base := h.baseURL(c)
	target, err := url.Parse(raw)
	if err == nil {
		if kind, slug, ok := pageOf(base, target); ok {
			h.oembedPage(c, base, kind, slug)
			return
		}
	}
	if err != nil || !isEmbedURL(base, target) {
		WriteError(c, models.Errorf(models.ENOTFOUND, "%q is not an embed page or a page of this service; embed pages are %s/embed/helplines with the helpline list's filters.", raw, base))
		return
	}
	eq, err := parseEmbedQuery(target, embedPageParams)
	if err != nil {
		msg := "the embed URL's query is not valid"
		if e, ok := err.(*models.Error); ok && len(e.Fields) > 0 {
			msg = fmt.Sprintf("the embed URL's parameter %q %s", e.Fields[0].Field, e.Fields[0].Message)
		}
		WriteError(c, models.BadParam("url", "%s", msg))
		return
	}
	src := embedURL(base, eq.values)
	dependsOn(c, tagStatic)
	c.JSON(http.StatusOK, OEmbed{
		Type: "rich", Version: "1.0", Title: "Helplines", ProviderName: "Signpost", ProviderURL: base,
		CacheAge: 3600, Width: width, Height: height,
		HTML: fmt.Sprintf(`<iframe src="%s" title="Helplines from Signpost" width="%d" height="%d" style="border:0;max-width:100%%" loading="lazy" referrerpolicy="no-referrer"></iframe>`,
			html.EscapeString(src), width, height) + HeightListener(originOf(base)),
	})
}

// isEmbedURL reports whether u is the embed page under base.
func isEmbedURL(base string, u *url.URL) bool {
	path, ok := servicePath(base, u)
	return ok && path == "/embed/helplines"
}

// pageOf reports whether u is an article's or a helpline's page under base, and
// which: kind "article" or "helpline" and the slug. The query is not looked at: the
// page takes none.
func pageOf(base string, u *url.URL) (kind, slug string, ok bool) {
	path, ok := servicePath(base, u)
	if !ok {
		return "", "", false
	}
	for prefix, k := range map[string]string{"/articles/": "article", "/helplines/": "helpline"} {
		if s, found := strings.CutPrefix(path, prefix); found && s != "" && !strings.Contains(s, "/") {
			return k, s, true
		}
	}
	return "", "", false
}

// servicePath returns the path of u under base when u is an address of this
// service: either scheme, the same host and port, a path under base's.
func servicePath(base string, u *url.URL) (string, bool) {
	pub, err := url.Parse(base)
	if err != nil || u.User != nil || u.Opaque != "" || (u.Scheme != "http" && u.Scheme != "https") ||
		!strings.EqualFold(hostWithoutDefaultPort(u.Scheme, u.Host), hostWithoutDefaultPort(pub.Scheme, pub.Host)) {
		return "", false
	}
	return strings.CutPrefix(u.Path, strings.TrimSuffix(pub.Path, "/"))
}

// oembedPage answers oEmbed for an article's or a helpline's page: a link (oEmbed's
// type for what is neither a picture, a video nor a piece of HTML) with its title
// and who published or runs it. An old slug is answered for the item it now names.
func (h *Handler) oembedPage(c *gin.Context, base, kind, slug string) {
	ctx := c.Request.Context()
	var title, author string
	for range 2 {
		var err error
		switch kind {
		case "article":
			var a *models.Article
			if a, err = h.store.FindArticle(ctx, slug, models.Visibility{}); err == nil {
				title, slug = a.Title, a.Slug
				if a.Source.Publisher != nil {
					author = a.Source.Publisher.Name
				}
			}
		default:
			var m *models.Helpline
			if m, err = h.store.FindHelpline(ctx, slug, time.Time{}, models.Visibility{}); err == nil {
				title, slug = m.Name, m.Slug
				if m.Organisation != nil {
					author = m.Organisation.Name
				}
			}
		}
		var e *models.Error
		if errors.As(err, &e) && e.Code == models.EMOVED {
			slug = e.Location
			continue
		}
		if err != nil {
			WriteError(c, err)
			return
		}
		break
	}
	if title == "" {
		// A slug that moved twice in one look-up: the store never does this.
		WriteError(c, fmt.Errorf("oembed: %s %q moved more than once", kind, slug))
		return
	}
	dependsOn(c, itemTag(kind, slug))
	c.JSON(http.StatusOK, OEmbed{Type: "link", Version: "1.0", Title: title, AuthorName: author,
		ProviderName: "Signpost", ProviderURL: base, CacheAge: 3600})
}

// notImplemented answers 501 problem: a feature the request asks for that this
// service does not have.
func notImplemented(c *gin.Context, detail string) {
	c.Header("Content-Type", ProblemContentType)
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(http.StatusNotImplemented, Problem{
		Type: "/problems/not-implemented", Title: "Not implemented", Status: http.StatusNotImplemented,
		Detail: detail, Instance: c.Request.URL.Path, RequestID: RequestID(c),
	})
}
