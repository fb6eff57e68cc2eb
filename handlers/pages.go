package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
	"signpost/models/hours"
	"signpost/pages"
)

// The pages for people: an article and a helpline as plain HTML (see the pages
// package), which the feeds, the widget's cards and oEmbed link to. They show public
// content alone: an editor's key never widens them to drafts.

// HTMLErrorOperations are the operations whose 404 is an HTML page for a browser
// (a request whose Accept prefers text/html) and a problem for everyone else; the
// OpenAPI document says both.
var HTMLErrorOperations = []string{"getArticlePage", "getHelplinePage"}

func articlePageURL(base, slug string) string  { return base + "/articles/" + url.PathEscape(slug) }
func helplinePageURL(base, slug string) string { return base + "/helplines/" + url.PathEscape(slug) }

// getArticlePage godoc
//
//	@Summary		An article's page, for people
//	@ID				getArticlePage
//	@Description	The published article as a plain HTML page made on the server: title, summary, body, outcomes, source, regions, topics and the helplines it names, linking to their pages; schema.org JSON-LD (NewsArticle) and a canonical link. No JavaScript needed, no cookies, no requests to other hosts, and a quick exit. An old slug, or an address with a query (the page takes none), answers 301 to the page. An unknown slug is a 404 problem, or for a browser (Accept prefers text/html) a 404 page listing the helplines that can help.
//	@Tags			pages
//	@Produce		html
//	@Param			slug	path		string	true	"article slug"	example(cumbria-week-of-action-online-child-sexual-abuse)
//	@Success		200		{string}	string					"HTML page"
//	@Header			200		{string}	ETag					"strong entity tag"
//	@Header			200		{string}	Last-Modified			"when the page last changed, as an HTTP date; send it in If-Modified-Since to revalidate"
//	@Header			200		{string}	Content-Security-Policy	"default-src 'none'; script-src 'sha256-…'; style-src 'sha256-…'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
//	@Success		301		"the article's slug changed, or the address had a query; Location has the page's URL"
//	@Header			301		{string}	Location	"the page's URL"
//	@Failure		404		{object}	Problem		"no such article (an HTML page for a browser)"
//	@Failure		500		{object}	Problem		"internal error"
//	@Router			/articles/{slug} [get]
func (h *Handler) getArticlePage(c *gin.Context) {
	if redirectWithoutQuery(c) {
		return
	}
	a, err := h.store.FindArticle(c.Request.Context(), c.Param("slug"), models.Visibility{})
	if err != nil {
		h.pageError(c, "article", err)
		return
	}
	base := h.baseURL(c)
	dependsOn(c, itemTag("article", a.Slug))
	for _, r := range a.Helplines {
		dependsOn(c, itemTag("helpline", r.Slug))
	}
	p := articlePage(a, base, h.quickExitURL())
	h.setItemLastModified(c, laterOf(a.UpdatedAt, p.Published), 0)
	var buf bytes.Buffer
	if err := pages.WriteArticle(&buf, p); err != nil {
		WriteError(c, fmt.Errorf("article page: %w", err))
		return
	}
	writePage(c, http.StatusOK, buf.Bytes())
}

// getHelplinePage godoc
//
//	@Summary		A helpline's page, for people
//	@ID				getHelplinePage
//	@Description	The helpline as a plain HTML page made on the server: name, who it is for, every contact as a link (tel:, sms:, mailto:, https), costs, hours, whether it is open now (worded in the line's time zone), anonymous and confidential badges with the limits of those promises, and when its details were last checked; schema.org JSON-LD (Organization with a ContactPoint and its hours for each contact) and a canonical link. No JavaScript needed, no cookies, no requests to other hosts, and a quick exit. An old slug, or an address with a query (the page takes none), answers 301 to the page. An unknown slug is a 404 problem, or for a browser (Accept prefers text/html) a 404 page listing the helplines that can help.
//	@Tags			pages
//	@Produce		html
//	@Param			slug	path		string	true	"helpline slug"	example(stop-it-now)
//	@Success		200		{string}	string					"HTML page"
//	@Header			200		{string}	ETag					"strong entity tag"
//	@Header			200		{string}	Last-Modified			"when the page last changed, as an HTTP date; send it in If-Modified-Since to revalidate"
//	@Header			200		{string}	Content-Security-Policy	"default-src 'none'; script-src 'sha256-…'; style-src 'sha256-…'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
//	@Success		301		"the helpline's slug changed, or the address had a query; Location has the page's URL"
//	@Header			301		{string}	Location	"the page's URL"
//	@Failure		404		{object}	Problem		"no such helpline (an HTML page for a browser)"
//	@Failure		500		{object}	Problem		"internal error"
//	@Router			/helplines/{slug} [get]
func (h *Handler) getHelplinePage(c *gin.Context) {
	if redirectWithoutQuery(c) {
		return
	}
	m, err := h.store.FindHelpline(c.Request.Context(), c.Param("slug"), time.Time{}, models.Visibility{})
	if err != nil {
		h.pageError(c, "helpline", err)
		return
	}
	// The page says whether the line is open now: it holds until that changes.
	dependsOn(c, itemTag("helpline", m.Slug))
	validUntil(c, m.Until(), h.store.Now)
	h.setItemLastModified(c, m.UpdatedAt, time.Minute)
	p := helplinePage(m, h.store.Now(), h.baseURL(c), h.quickExitURL())
	var buf bytes.Buffer
	if err := pages.WriteHelpline(&buf, p); err != nil {
		WriteError(c, fmt.Errorf("helpline page: %w", err))
		return
	}
	writePage(c, http.StatusOK, buf.Bytes())
}

// writePage sends a page with the pages' Content-Security-Policy.
func writePage(c *gin.Context, status int, body []byte) {
	c.Header("Content-Security-Policy", pages.CSP)
	c.Data(status, "text/html; charset=utf-8", body)
}

// redirectWithoutQuery answers a request whose address has a query with 301 to the
// same page without it, and reports whether it did. The pages take no parameters;
// rather than refuse a link that carries some (a share or a newsletter adds them),
// the visitor lands on the page, and its address no longer carries them.
func redirectWithoutQuery(c *gin.Context) bool {
	u := c.Request.URL
	if u.RawQuery == "" && !u.ForceQuery {
		return false
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Redirect(http.StatusMovedPermanently, u.EscapedPath())
	c.Abort()
	return true
}

// pageError answers a page's error: a moved slug's 301, and a missing item's 404 as
// an HTML page when the client prefers HTML (a browser following a link); every
// other answer is the API's problem.
func (h *Handler) pageError(c *gin.Context, what string, err error) {
	var e *models.Error
	if !errors.As(err, &e) || e.Code != models.ENOTFOUND || !prefersHTML(c.GetHeader("Accept")) {
		WriteError(c, err)
		return
	}
	base := h.baseURL(c)
	p := pages.NotFound{Head: pages.Head{Title: "Page not found", QuickExitURL: h.quickExitURL()}, What: what}
	// The lines that can help whatever the visitor was looking for; the page is
	// still a 404 without them when they cannot be read.
	if lines, err := h.store.Essentials(c.Request.Context()); err == nil {
		now := h.store.Now()
		for i := range lines {
			l := embedLine(&lines[i], now, base)
			p.Lines = append(p.Lines, pages.NotFoundLine{Name: l.Name, URL: l.URL, Contacts: pageContacts(l.Contacts)})
		}
	}
	var buf bytes.Buffer
	if err := pages.WriteNotFound(&buf, p); err != nil {
		WriteError(c, fmt.Errorf("not-found page: %w", err))
		return
	}
	c.Header("Cache-Control", "no-store")
	writePage(c, http.StatusNotFound, buf.Bytes())
	c.Abort()
}

// prefersHTML reports whether an Accept header asks for HTML (text/html or
// application/xhtml+xml by name, with q > 0) at least as much as for JSON (a
// problem's media types). A browser's navigation does; curl's */* and an API
// client's application/json do not.
func prefersHTML(accept string) bool {
	var html, json float64
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch mt {
		case "text/html", "application/xhtml+xml":
			html = max(html, q)
		case ProblemContentType, "application/json":
			json = max(json, q)
		}
	}
	return html > 0 && html >= json
}

// london is where the pages word dates: the articles are British news.
var london = hours.LocationOrDefault(hours.DefaultTimezone)

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func refNames(refs []models.Ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Name
	}
	return out
}

// articlePage is what the article's page shows, and its JSON-LD.
func articlePage(a *models.Article, base, exit string) pages.Article {
	canonical := articlePageURL(base, a.Slug)
	pub := published(a)
	p := pages.Article{
		Head: pages.Head{Title: a.Title, Description: a.Summary, Canonical: canonical,
			Alternate: base + "/api/v1/articles/" + url.PathEscape(a.Slug),
			OEmbed:    oembedURL(base, canonical), QuickExitURL: exit},
		Title: a.Title, Summary: a.Summary, BodyHTML: a.BodyHTML, Published: pub,
		SourceURL: a.Source.URL, Attribution: a.Source.Attribution,
		Regions: refNames(a.Regions), Topics: refNames(a.Topics), Campaigns: refNames(a.Campaigns),
		Organisations: refNames(a.Organisations),
	}
	modified := laterOf(a.UpdatedAt.UTC(), pub)
	if modified.In(london).Format(time.DateOnly) != pub.In(london).Format(time.DateOnly) {
		p.Updated = modified
	}
	if pr := a.Source.Publisher; pr != nil {
		p.Publisher = pr.Name
	}
	if d, err := time.Parse(time.DateOnly, a.Source.PublishedOn); err == nil {
		p.SourceDate = d.Format("2 January 2006")
	}
	for _, o := range a.Outcomes {
		p.Outcomes = append(p.Outcomes, pages.Outcome{Label: o.Label, Value: o.Value, Note: o.Note})
	}
	ld := pages.NewsArticle{
		Context: pages.SchemaContext, Type: "NewsArticle", Headline: a.Title, Description: a.Summary,
		URL: canonical, MainEntityOfPage: canonical, InLanguage: "en-GB",
		DatePublished: pub.Format(time.RFC3339), DateModified: modified.Format(time.RFC3339),
		Keywords: p.Topics, IsBasedOn: a.Source.URL, Image: a.Image.URL,
	}
	if p.Publisher != "" {
		ld.Publisher = &pages.Organization{Type: "Organization", Name: p.Publisher}
	}
	for _, t := range a.Topics {
		ld.About = append(ld.About, pages.Thing{Type: "Thing", Name: t.Name})
	}
	for _, r := range a.Regions {
		ld.ContentLocation = append(ld.ContentLocation, pages.Place{Type: "Place", Name: r.Name})
	}
	for _, r := range a.Helplines {
		link := pages.Link{Name: r.Name, URL: helplinePageURL(base, r.Slug)}
		p.Helplines = append(p.Helplines, link)
		ld.Mentions = append(ld.Mentions, pages.Organization{Type: "Organization", Name: link.Name, URL: link.URL})
	}
	p.Head.JSONLD = ld
	return p
}

// helplinePage is what the helpline's page shows at now, worded as the widget's
// cards are, and its JSON-LD.
func helplinePage(m *models.Helpline, now time.Time, base, exit string) pages.Helpline {
	l := embedLine(m, now, base)
	p := pages.Helpline{
		Head: pages.Head{Title: m.Name, Description: m.Description, Canonical: l.URL,
			Alternate: base + "/api/v1/helplines/" + url.PathEscape(m.Slug), OEmbed: oembedURL(base, l.URL), QuickExitURL: exit},
		Name: m.Name, Description: m.Description, Anonymous: l.Anonymous, Confidential: l.Confidential,
		ConfidentialityNote: l.ConfidentialityNote, Contacts: pageContacts(l.Contacts), HoursText: l.HoursText,
		For: refNames(m.Audiences), Interpreters: m.Interpreters, Coverage: refNames(m.Coverage), Topics: refNames(m.Topics),
		Website: m.Website, Checked: l.CheckedText,
	}
	if l.Status != nil {
		p.Status = &pages.Status{State: l.Status.State, Text: l.Status.Text}
	}
	if m.Organisation != nil {
		p.Organisation = m.Organisation.Name
	}
	for _, tag := range m.Languages {
		p.Languages = append(p.Languages, pages.LanguageName(tag))
	}
	ld := pages.Organization{Context: pages.SchemaContext, Type: "Organization", Name: m.Name, Description: m.Description,
		URL: l.URL, AreaServed: p.Coverage}
	if m.Website != "" {
		ld.SameAs = []string{m.Website}
	}
	if m.Organisation != nil {
		ld.ParentOrganization = &pages.Organization{Type: "Organization", Name: m.Organisation.Name}
	}
	for i := range m.Contacts {
		ld.ContactPoint = append(ld.ContactPoint, contactPoint(m, &m.Contacts[i]))
	}
	p.Head.JSONLD = ld
	return p
}

// contactPoint describes one of a line's contacts in schema.org's terms, with the
// hours that apply to it.
func contactPoint(m *models.Helpline, c *models.Contact) pages.ContactPoint {
	cp := pages.ContactPoint{Type: "ContactPoint", ContactType: c.Label, AreaServed: refNames(m.Coverage),
		AvailableLanguage: m.Languages}
	if cp.ContactType == "" {
		cp.ContactType = contactLabels[c.Type]
	}
	switch c.Type {
	case "phone", "textphone", "sms":
		cp.Telephone = c.E164
		if cp.Telephone == "" {
			cp.Telephone = c.Value // a short number (101, 999) has no E.164 form
		}
		if c.Type == "textphone" {
			cp.ContactOption = []string{"HearingImpairedSupported"}
		}
	case "email":
		if addr, ok := strings.CutPrefix(c.URI, "mailto:"); ok {
			cp.Email, _, _ = strings.Cut(addr, "?")
		} else {
			cp.URL = c.URI
		}
	default:
		cp.URL = c.URI
	}
	schedule := m.Hours
	if c.Hours != nil {
		schedule = *c.Hours
	}
	cp.HoursAvailable = pages.OpeningHours(schedule)
	return cp
}

func pageContacts(in []EmbedContact) []pages.Contact {
	out := make([]pages.Contact, len(in))
	for i, c := range in {
		out[i] = pages.Contact{Label: c.Label, Display: c.Display, URI: c.URI, Name: c.Name, Meta: c.Meta, NewTab: c.NewTab}
	}
	return out
}
