package handlers

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/feeds"

	"signpost/models"
)

// Media types of the article feeds.
const (
	RSSContentType      = "application/rss+xml; charset=utf-8"
	AtomContentType     = "application/atom+xml; charset=utf-8"
	JSONFeedContentType = "application/feed+json; charset=utf-8"
)

const (
	feedTitle       = "Signpost: safeguarding news"
	feedDescription = "Published articles from Signpost: news about safeguarding work, newest first."
	feedAuthor      = "Signpost"
	feedLanguage    = "en-GB"
	jsonFeedVersion = "https://jsonfeed.org/version/1.1"
)

// feedParams are the query parameters of the feeds: the article list's filters
// without its cursor, since a feed is always the newest page.
var feedParams = []string{"campaign", "region", "topic", "organisation", "published_after", "published_before", "q", "limit"}

// feedEpoch is the updated time of a feed without items. Atom requires one, and a
// fixed one keeps the ETag of an empty feed stable.
var feedEpoch = time.Unix(0, 0).UTC()

// articlesRSS godoc
//
//	@Summary		RSS feed of published articles
//	@ID				getArticlesRSS
//	@Description	RSS 2.0 of the newest published articles, with the article list's filters (no cursor). Each item's link is the article in the JSON API (<public-url>/api/v1/articles/{slug}); its description is the summary (as HTML), its content:encoded the sanitised body HTML, its guid a stable tag: URI that survives slug changes. Drafts and scheduled articles never appear. Unknown parameters are rejected.
//	@Tags			feeds
//	@Produce		application/rss+xml
//	@Param			campaign			query		string	false	"campaign slug"
//	@Param			region				query		string	false	"region slug; matches articles about that region or any region below it"
//	@Param			topic				query		string	false	"topic slug"
//	@Param			organisation		query		string	false	"organisation slug: the publisher or an organisation the article is about"
//	@Param			published_after		query		string	false	"date (2027-01-31) or RFC 3339 time; inclusive"
//	@Param			published_before	query		string	false	"date or RFC 3339 time; exclusive"
//	@Param			q					query		string	false	"full-text search: words, quoted phrases, prefix*, AND, OR, NOT"
//	@Param			limit				query		int		false	"number of items, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Success		200					{string}	string	"RSS 2.0 document"
//	@Header			200					{string}	ETag	"strong entity tag"
//	@Failure		400					{object}	Problem	"invalid parameter"
//	@Failure		500					{object}	Problem	"internal error"
//	@Router			/feeds/articles.rss [get]
func (h *Handler) articlesRSS(c *gin.Context) {
	fp, ok := h.loadFeed(c)
	if !ok {
		return
	}
	rss := (&feeds.Rss{Feed: fp.feed()}).RssFeed()
	rss.Language = strings.ToLower(feedLanguage)
	for i, item := range rss.Items {
		// An RSS description is HTML by convention, so the plain-text summary is
		// escaped; <author> must be an e-mail address, which publishers don't have.
		item.Description = html.EscapeString(fp.articles[i].Summary)
		item.Author = ""
	}
	writeXMLFeed(c, RSSContentType, rss)
}

// articlesAtom godoc
//
//	@Summary		Atom feed of published articles
//	@ID				getArticlesAtom
//	@Description	Atom 1.0 of the newest published articles, with the article list's filters (no cursor). Each entry links (rel=alternate) to the article in the JSON API (<public-url>/api/v1/articles/{slug}); its summary is the plain-text summary, its content the sanitised body HTML, its id a stable tag: URI that survives slug changes. Drafts and scheduled articles never appear. Unknown parameters are rejected.
//	@Tags			feeds
//	@Produce		application/atom+xml
//	@Param			campaign			query		string	false	"campaign slug"
//	@Param			region				query		string	false	"region slug; matches articles about that region or any region below it"
//	@Param			topic				query		string	false	"topic slug"
//	@Param			organisation		query		string	false	"organisation slug: the publisher or an organisation the article is about"
//	@Param			published_after		query		string	false	"date (2027-01-31) or RFC 3339 time; inclusive"
//	@Param			published_before	query		string	false	"date or RFC 3339 time; exclusive"
//	@Param			q					query		string	false	"full-text search: words, quoted phrases, prefix*, AND, OR, NOT"
//	@Param			limit				query		int		false	"number of entries, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Success		200					{string}	string	"Atom 1.0 document"
//	@Header			200					{string}	ETag	"strong entity tag"
//	@Failure		400					{object}	Problem	"invalid parameter"
//	@Failure		500					{object}	Problem	"internal error"
//	@Router			/feeds/articles.atom [get]
func (h *Handler) articlesAtom(c *gin.Context) {
	fp, ok := h.loadFeed(c)
	if !ok {
		return
	}
	atom := (&feeds.Atom{Feed: fp.feed()}).AtomFeed()
	atom.Id = fp.self
	atom.Link = &feeds.AtomLink{Href: fp.self, Rel: "self", Type: strings.Split(AtomContentType, ";")[0]}
	atom.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: feedAuthor}}
	if atom.Updated == "" {
		atom.Updated = feedEpoch.Format(time.RFC3339)
	}
	for i, e := range atom.Entries {
		a := &fp.articles[i]
		e.Published = published(a).Format(time.RFC3339)
		if e.Summary != nil {
			e.Summary.Type = "text"
		}
	}
	writeXMLFeed(c, AtomContentType, atom)
}

// JSONFeed is a JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) of articles.
type JSONFeed struct {
	Version     string           `json:"version" format:"uri" example:"https://jsonfeed.org/version/1.1"`
	Title       string           `json:"title" example:"Signpost: safeguarding news (region=cumbria)"`
	HomePageURL string           `json:"home_page_url" format:"uri" example:"https://signpost.example.org/api/v1/articles?region=cumbria"`
	FeedURL     string           `json:"feed_url" format:"uri" example:"https://signpost.example.org/feeds/articles.json?region=cumbria"`
	Description string           `json:"description" example:"Published articles from Signpost: news about safeguarding work, newest first."`
	Language    string           `json:"language" example:"en-GB"`
	Authors     []JSONFeedAuthor `json:"authors"`
	Items       []JSONFeedItem   `json:"items"`
}

// JSONFeedItem is one article in a JSON Feed. Its url is the article in the JSON
// API; its id is a tag: URI that stays the same when the article's slug changes.
type JSONFeedItem struct {
	ID            string           `json:"id" example:"tag:signpost.example.org,2026:articles/1"`
	URL           string           `json:"url" format:"uri" example:"https://signpost.example.org/api/v1/articles/cumbria-week-of-action-online-child-sexual-abuse"`
	ExternalURL   string           `json:"external_url,omitempty" format:"uri" example:"https://www.cumbria.police.uk/news"`
	Title         string           `json:"title" example:"Cumbria Police week of action on online child abuse images"`
	ContentHTML   string           `json:"content_html" example:"<h2>What happened</h2>"`
	ContentText   string           `json:"content_text" example:"What happened"`
	Summary       string           `json:"summary" example:"Six children were safeguarded."`
	Image         string           `json:"image,omitempty" format:"uri" example:"https://example.org/picture.jpg"`
	DatePublished time.Time        `json:"date_published" format:"date-time" example:"2027-01-31T09:00:00Z"`
	DateModified  time.Time        `json:"date_modified" format:"date-time" example:"2027-01-31T09:00:00Z"`
	Tags          []string         `json:"tags" example:"Online child sexual exploitation,Cumbria"`
	Authors       []JSONFeedAuthor `json:"authors"`
	Language      string           `json:"language" example:"en-GB"`
}

// JSONFeedAuthor is a feed's or an article's author: Signpost, or the publisher.
type JSONFeedAuthor struct {
	Name string `json:"name" example:"Cumbria Constabulary"`
	URL  string `json:"url,omitempty" format:"uri" example:"https://signpost.example.org/api/v1/organisations/cumbria-constabulary"`
}

// articlesJSONFeed godoc
//
//	@Summary		JSON Feed of published articles
//	@ID				getArticlesJSONFeed
//	@Description	JSON Feed 1.1 of the newest published articles, with the article list's filters (no cursor). Each item's url is the article in the JSON API (<public-url>/api/v1/articles/{slug}); content_html is the sanitised body. Drafts and scheduled articles never appear. Unknown parameters are rejected.
//	@Tags			feeds
//	@Produce		application/feed+json
//	@Param			campaign			query		string	false	"campaign slug"
//	@Param			region				query		string	false	"region slug; matches articles about that region or any region below it"
//	@Param			topic				query		string	false	"topic slug"
//	@Param			organisation		query		string	false	"organisation slug: the publisher or an organisation the article is about"
//	@Param			published_after		query		string	false	"date (2027-01-31) or RFC 3339 time; inclusive"
//	@Param			published_before	query		string	false	"date or RFC 3339 time; exclusive"
//	@Param			q					query		string	false	"full-text search: words, quoted phrases, prefix*, AND, OR, NOT"
//	@Param			limit				query		int		false	"number of items, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Success		200					{object}	JSONFeed
//	@Header			200					{string}	ETag	"strong entity tag"
//	@Failure		400					{object}	Problem	"invalid parameter"
//	@Failure		500					{object}	Problem	"internal error"
//	@Router			/feeds/articles.json [get]
func (h *Handler) articlesJSONFeed(c *gin.Context) {
	fp, ok := h.loadFeed(c)
	if !ok {
		return
	}
	out := JSONFeed{
		Version: jsonFeedVersion, Title: fp.title, HomePageURL: fp.home, FeedURL: fp.self,
		Description: feedDescription, Language: feedLanguage,
		Authors: []JSONFeedAuthor{{Name: feedAuthor}},
		Items:   make([]JSONFeedItem, len(fp.articles)),
	}
	for i := range fp.articles {
		a := &fp.articles[i]
		item := JSONFeedItem{
			ID: fp.itemID(a), URL: fp.itemURL(a), ExternalURL: a.Source.URL, Title: a.Title,
			ContentHTML: a.BodyHTML, ContentText: a.BodyText, Summary: a.Summary, Image: a.Image.URL,
			DatePublished: published(a), DateModified: a.UpdatedAt.UTC(),
			Tags: tags(a), Authors: []JSONFeedAuthor{}, Language: feedLanguage,
		}
		if p := a.Source.Publisher; p != nil {
			item.Authors = append(item.Authors, JSONFeedAuthor{Name: p.Name, URL: fp.base + "/api/v1/organisations/" + url.PathEscape(p.Slug)})
		}
		out.Items[i] = item
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // content_html stays readable; the media type is not HTML
	if err := enc.Encode(out); err != nil {
		WriteError(c, err)
		return
	}
	c.Data(http.StatusOK, JSONFeedContentType, buf.Bytes())
}

// feedPage is what every feed format is made from: the newest published articles
// that match the request's filters, and the feed's own URLs.
type feedPage struct {
	articles []models.Article
	base     string // the public URL, without a trailing slash
	self     string // this feed, with its canonical query
	home     string // the same list in the JSON API
	title    string
	host     string // the public URL's host name, the authority of tag: URIs
}

// loadFeed parses the request's filters and finds the articles; on an error it writes
// the problem and returns false.
func (h *Handler) loadFeed(c *gin.Context) (*feedPage, bool) {
	q, err := parseQuery(c.Request.URL, feedParams...)
	if err != nil {
		WriteError(c, err)
		return nil, false
	}
	f, err := articleFilter(q)
	if err != nil {
		WriteError(c, err)
		return nil, false
	}
	f.WithBodies = true // feeds carry the articles' content
	// Feeds are public: an editor's key never widens them to drafts, so the route has
	// no OptionalKey and the visibility stays the zero value.
	page, err := h.store.FindArticles(c.Request.Context(), f)
	if err != nil {
		WriteError(c, err)
		return nil, false
	}
	dependsOnItems(c, "article", page.Items, articleSlug)
	dependsOnFilter(c, "campaign", f.Campaign)
	dependsOnFilter(c, "organisation", f.Organisation)
	base := strings.TrimSuffix(h.opts.PublicURL, "/")
	query := ""
	if len(q.values) > 0 {
		query = "?" + q.values.Encode()
	}
	fp := &feedPage{articles: page.Items, base: base, self: base + c.Request.URL.Path + query,
		home: base + "/api/v1/articles" + query, title: feedTitle}
	if u, err := url.Parse(base); err == nil {
		fp.host = u.Hostname()
	}
	var filters []string
	for _, name := range feedParams {
		if v := q.values.Get(name); v != "" && name != "limit" {
			filters = append(filters, name+"="+v)
		}
	}
	if len(filters) > 0 {
		fp.title += " (" + strings.Join(filters, ", ") + ")"
	}
	return fp, true
}

// articleFilter reads the article list's filters, all but the cursor, from q. It is
// shared by the article list and the feeds.
func articleFilter(q query) (models.ArticleFilter, error) {
	var f models.ArticleFilter
	var errs [8]error
	f.Campaign, errs[0] = q.slug("campaign")
	f.Region, errs[1] = q.slug("region")
	f.Topic, errs[2] = q.slug("topic")
	f.Organisation, errs[3] = q.slug("organisation")
	f.PublishedAfter, errs[4] = q.time("published_after")
	f.PublishedBefore, errs[5] = q.time("published_before")
	f.Q, errs[6] = q.str("q")
	f.Limit, errs[7] = q.limit()
	return f, firstErr(errs[:]...)
}

// feed is the format-neutral feed of gorilla/feeds; each format adjusts its own
// rendering of it.
func (fp *feedPage) feed() *feeds.Feed {
	f := &feeds.Feed{
		Title: fp.title, Description: feedDescription,
		Link:  &feeds.Link{Href: fp.home},
		Items: make([]*feeds.Item, len(fp.articles)),
	}
	for i := range fp.articles {
		a := &fp.articles[i]
		item := &feeds.Item{
			Title:       xmlChars(a.Title),
			Link:        &feeds.Link{Href: fp.itemURL(a), Type: "application/json"},
			Description: xmlChars(a.Summary),
			Id:          fp.itemID(a),
			IsPermaLink: "false",
			Created:     published(a),
			Updated:     a.UpdatedAt.UTC(),
			Content:     xmlChars(a.BodyHTML),
		}
		if p := a.Source.Publisher; p != nil {
			item.Author = &feeds.Author{Name: xmlChars(p.Name)}
		}
		if item.Updated.After(f.Updated) {
			f.Updated = item.Updated
		}
		f.Items[i] = item
	}
	return f
}

// itemURL is the article in the JSON API.
func (fp *feedPage) itemURL(a *models.Article) string {
	return fp.base + "/api/v1/articles/" + url.PathEscape(a.Slug)
}

// itemID is a tag: URI (RFC 4151) of the article's row, so that a feed reader does
// not take an article whose slug changed for a new one.
func (fp *feedPage) itemID(a *models.Article) string {
	return "tag:" + fp.host + ",2026:articles/" + strconv.FormatInt(a.ID, 10)
}

// published is when the article was published; every public article has that time.
func published(a *models.Article) time.Time {
	if a.PublishedAt != nil {
		return a.PublishedAt.UTC()
	}
	return a.UpdatedAt.UTC()
}

// tags are the names of an article's topics and regions.
func tags(a *models.Article) []string {
	out := make([]string, 0, len(a.Topics)+len(a.Regions))
	for _, r := range a.Topics {
		out = append(out, r.Name)
	}
	for _, r := range a.Regions {
		out = append(out, r.Name)
	}
	return out
}

// xmlChars drops the characters that XML 1.0 does not allow, such as most control
// characters. encoding/xml replaces them in text, but not in the CDATA section that
// gorilla/feeds writes for RSS content, where they would make the whole feed invalid.
func xmlChars(s string) string {
	ok := func(r rune) bool {
		return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
	}
	if strings.IndexFunc(s, func(r rune) bool { return !ok(r) }) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if ok(r) {
			return r
		}
		return -1
	}, s)
}

// writeXMLFeed writes an RSS or Atom document.
func writeXMLFeed(c *gin.Context, contentType string, feed feeds.XmlFeed) {
	s, err := feeds.ToXML(feed)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Data(http.StatusOK, contentType, []byte(s+"\n"))
}
