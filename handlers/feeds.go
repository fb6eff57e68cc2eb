package handlers

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
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
//	@Description	RSS 2.0 of the newest published articles, with the article list's filters (no cursor). Each item's link is the article's page (<public-url>/articles/{slug}); its description is the summary (as HTML), its content:encoded the sanitised body HTML, its dc:creator the publisher, its categories the topics, its guid a stable tag: URI that survives slug changes. The channel names itself in atom:link rel=self. Drafts and scheduled articles never appear. Unknown parameters are rejected.
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
//	@Header			200					{string}	ETag			"strong entity tag"
//	@Header			200					{string}	Last-Modified	"the latest time an article in the feed was published or changed, or the last write to the content when later (an article may have left the feed); send it in If-Modified-Since to revalidate"
//	@Failure		400					{object}	Problem			"invalid parameter"
//	@Failure		500					{object}	Problem	"internal error"
//	@Router			/feeds/articles.rss [get]
func (h *Handler) articlesRSS(c *gin.Context) {
	fp, ok := h.loadFeed(c)
	if !ok {
		return
	}
	rss := (&feeds.Rss{Feed: fp.feed()}).RssFeed()
	rss.Language = strings.ToLower(feedLanguage)
	doc := &rssDocument{Version: "2.0", ContentNS: "http://purl.org/rss/1.0/modules/content/", AtomNS: atomNS, DCNS: dcNS,
		Channel: rssChannel{RssFeed: rss, Self: rssAtomLink{Href: fp.self, Rel: "self", Type: mediaTypeOf(RSSContentType)}}}
	for i, item := range rss.Items {
		a := &fp.articles[i]
		// An RSS description is HTML by convention, so the plain-text summary is
		// escaped; <author> must be an e-mail address, which publishers don't have,
		// so the publisher is the Dublin Core creator.
		item.Description = html.EscapeString(a.Summary)
		item.Author = ""
		it := &rssItem{RssItem: item}
		if p := a.Source.Publisher; p != nil {
			it.Creator = xmlChars(p.Name)
		}
		for _, t := range a.Topics {
			it.Categories = append(it.Categories, rssCategory{Domain: fp.topics, Name: xmlChars(t.Name)})
		}
		doc.Channel.Items = append(doc.Channel.Items, it)
	}
	writeXMLFeed(c, RSSContentType, doc)
}

// Namespaces the RSS feed borrows elements from.
const (
	atomNS = "http://www.w3.org/2005/Atom"
	dcNS   = "http://purl.org/dc/elements/1.1/"
)

// rssDocument is gorilla/feeds' RSS 2.0 with what it cannot say: the feed's own
// address (atom:link rel="self"), each item's publisher (dc:creator) and its topics
// (one category each). The fields of the embedded types that these replace are
// shadowed: encoding/xml writes the shallower of two fields with the same name.
type rssDocument struct {
	XMLName   xml.Name `xml:"rss"`
	Version   string   `xml:"version,attr"`
	ContentNS string   `xml:"xmlns:content,attr"`
	AtomNS    string   `xml:"xmlns:atom,attr"`
	DCNS      string   `xml:"xmlns:dc,attr"`
	Channel   rssChannel
}

type rssChannel struct {
	XMLName xml.Name `xml:"channel"`
	Self    rssAtomLink
	*feeds.RssFeed
	Items []*rssItem `xml:"item"`
}

type rssAtomLink struct {
	XMLName xml.Name `xml:"atom:link"`
	Href    string   `xml:"href,attr"`
	Rel     string   `xml:"rel,attr"`
	Type    string   `xml:"type,attr"`
}

type rssItem struct {
	XMLName xml.Name `xml:"item"`
	*feeds.RssItem
	Creator    string        `xml:"dc:creator,omitempty"`
	Categories []rssCategory `xml:"category"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Name   string `xml:",chardata"`
}

// FeedXml returns the document, for feeds.ToXML.
func (d *rssDocument) FeedXml() any { return d }

// articlesAtom godoc
//
//	@Summary		Atom feed of published articles
//	@ID				getArticlesAtom
//	@Description	Atom 1.0 of the newest published articles, with the article list's filters (no cursor). Each entry links (rel=alternate) to the article's page (<public-url>/articles/{slug}, text/html) and to the article in the JSON API (application/json); its author is the publisher, its categories the topics, its summary the plain-text summary, its content the sanitised body HTML, its id a stable tag: URI that survives slug changes. Drafts and scheduled articles never appear. Unknown parameters are rejected.
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
//	@Header			200					{string}	ETag			"strong entity tag"
//	@Header			200					{string}	Last-Modified	"the latest time an article in the feed was published or changed, or the last write to the content when later (an article may have left the feed); send it in If-Modified-Since to revalidate"
//	@Failure		400					{object}	Problem			"invalid parameter"
//	@Failure		500					{object}	Problem	"internal error"
//	@Router			/feeds/articles.atom [get]
func (h *Handler) articlesAtom(c *gin.Context) {
	fp, ok := h.loadFeed(c)
	if !ok {
		return
	}
	atom := (&feeds.Atom{Feed: fp.feed()}).AtomFeed()
	atom.Id = fp.self
	atom.Link = &feeds.AtomLink{Href: fp.self, Rel: "self", Type: mediaTypeOf(AtomContentType)}
	atom.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: feedAuthor}}
	if atom.Updated == "" {
		atom.Updated = feedEpoch.Format(time.RFC3339)
	}
	doc := &atomDocument{AtomFeed: atom}
	for i, e := range atom.Entries {
		a := &fp.articles[i]
		e.Published = published(a).Format(time.RFC3339)
		if e.Summary != nil {
			e.Summary.Type = "text"
		}
		// The page is the entry's alternate for people; the JSON API's item is
		// the one for programs.
		e.Links = append(e.Links, feeds.AtomLink{Href: fp.apiURL(a), Rel: "alternate", Type: "application/json"})
		entry := &atomEntry{AtomEntry: e}
		for _, t := range a.Topics {
			name := xmlChars(t.Name)
			entry.Categories = append(entry.Categories, atomCategory{Term: name, Label: name, Scheme: fp.topics})
		}
		doc.Entries = append(doc.Entries, entry)
	}
	writeXMLFeed(c, AtomContentType, doc)
}

// atomDocument is gorilla/feeds' Atom 1.0 with each entry's topics as categories,
// which it writes as one element of text where Atom wants a term attribute.
type atomDocument struct {
	XMLName xml.Name `xml:"feed"`
	*feeds.AtomFeed
	Entries []*atomEntry `xml:"entry"`
}

type atomEntry struct {
	XMLName xml.Name `xml:"entry"`
	*feeds.AtomEntry
	Categories []atomCategory `xml:"category"`
}

// atomCategory is a topic: its name is the term readers show, and the scheme is the
// vocabulary it comes from.
type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

// FeedXml returns the document, for feeds.ToXML.
func (d *atomDocument) FeedXml() any { return d }

// mediaTypeOf is a content type without its parameters.
func mediaTypeOf(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return mt
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

// JSONFeedItem is one article in a JSON Feed. Its url is the article's page; its id
// is a tag: URI that stays the same when the article's slug changes.
type JSONFeedItem struct {
	ID            string           `json:"id" example:"tag:signpost.example.org,2026:articles/1"`
	URL           string           `json:"url" format:"uri" example:"https://signpost.example.org/articles/cumbria-week-of-action-online-child-sexual-abuse"`
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
//	@Description	JSON Feed 1.1 of the newest published articles, with the article list's filters (no cursor). Each item's url is the article's page (<public-url>/articles/{slug}); content_html is the sanitised body, authors the publisher, tags the topics and regions. Drafts and scheduled articles never appear. Unknown parameters are rejected.
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
//	@Header			200					{string}	ETag			"strong entity tag"
//	@Header			200					{string}	Last-Modified	"the latest time an article in the feed was published or changed, or the last write to the content when later (an article may have left the feed); send it in If-Modified-Since to revalidate"
//	@Failure		400					{object}	Problem			"invalid parameter"
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
	topics   string // the vocabulary of the items' categories
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
		home: base + "/api/v1/articles" + query, topics: base + "/api/v1/topics", title: feedTitle}
	h.setFeedLastModified(c, page.Items)
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

// setFeedLastModified sets a feed's Last-Modified: the latest time an article in it
// was published or changed, or the last write to the content when that is later,
// since a feed also changes when an article leaves it (retracted, deleted, moved
// out of the filter), which leaves no later time among those that stay.
func (h *Handler) setFeedLastModified(c *gin.Context, articles []models.Article) {
	var t time.Time
	for i := range articles {
		t = laterOf(t, laterOf(articles[i].UpdatedAt.UTC(), published(&articles[i])))
	}
	if _, changed, err := h.store.ContentState(c.Request.Context()); err == nil {
		t = laterOf(t, changed)
	}
	if !t.IsZero() {
		setLastModified(c, t)
	}
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
			Link:        &feeds.Link{Href: fp.itemURL(a), Type: "text/html"},
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

// itemURL is the article's page.
func (fp *feedPage) itemURL(a *models.Article) string {
	return articlePageURL(fp.base, a.Slug)
}

// apiURL is the article in the JSON API.
func (fp *feedPage) apiURL(a *models.Article) string {
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
