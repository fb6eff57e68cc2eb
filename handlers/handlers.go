// Package handlers holds Signpost's HTTP handlers: each parses and validates the
// request, calls the store and writes the response in the API's envelopes.
package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// ArticleStore reads articles: as domain values, and, for the public, as the JSON
// made when they were written.
type ArticleStore interface {
	FindArticles(ctx context.Context, f models.ArticleFilter) (models.Page[models.Article], error)
	FindArticle(ctx context.Context, slug string, v models.Visibility) (*models.Article, error)
	FindArticlesJSON(ctx context.Context, f models.ArticleFilter) (models.Page[models.Rendered], error)
	RankedArticlesJSON(ctx context.Context, f models.ArticleFilter) (models.Page[models.Rendered], error)
	ArticleJSON(ctx context.Context, slug string) (models.Rendered, error)
}

// HelplineStore reads helplines.
type HelplineStore interface {
	FindHelplines(ctx context.Context, f models.HelplineFilter) (models.Page[models.Helpline], error)
	FindHelpline(ctx context.Context, slug string, at time.Time, v models.Visibility) (*models.Helpline, error)
}

// CampaignStore reads campaigns.
type CampaignStore interface {
	FindCampaigns(ctx context.Context, f models.CampaignFilter) (models.Page[models.Campaign], error)
	FindCampaign(ctx context.Context, slug string, v models.Visibility) (*models.Campaign, error)
}

// OrganisationStore reads organisations.
type OrganisationStore interface {
	FindOrganisations(ctx context.Context, f models.OrganisationFilter) (models.Page[models.Organisation], error)
	FindOrganisation(ctx context.Context, slug string) (*models.Organisation, error)
}

// TaxonomyStore reads the region tree and the vocabulary.
type TaxonomyStore interface {
	Regions(ctx context.Context) ([]models.Region, error)
	Topics(ctx context.Context, f models.TopicFilter) ([]models.Topic, error)
}

// HealthStore answers whether the database is reachable, and whether writes work.
type HealthStore interface {
	Ping(ctx context.Context) error
	WriteHealth() models.WriteHealth
}

// EditorStore writes content on behalf of an API key's holder and reads the audit
// log.
type EditorStore interface {
	CreateArticle(ctx context.Context, actor string, a *models.Article) (*models.Article, error)
	ReplaceArticle(ctx context.Context, actor, slug string, a *models.Article, ifMatch int64) (*models.Article, error)
	DeleteArticle(ctx context.Context, actor, slug string, ifMatch int64) error
	CreateHelpline(ctx context.Context, actor string, h *models.Helpline) (*models.Helpline, error)
	ReplaceHelpline(ctx context.Context, actor, slug string, h *models.Helpline, ifMatch int64) (*models.Helpline, error)
	DeleteHelpline(ctx context.Context, actor, slug string, ifMatch int64) error
	CreateCampaign(ctx context.Context, actor string, c *models.Campaign) (*models.Campaign, error)
	ReplaceCampaign(ctx context.Context, actor, slug string, c *models.Campaign, ifMatch int64) (*models.Campaign, error)
	DeleteCampaign(ctx context.Context, actor, slug string, ifMatch int64) error
	CreateOrganisation(ctx context.Context, actor string, o *models.Organisation) (*models.Organisation, error)
	ReplaceOrganisation(ctx context.Context, actor, slug string, o *models.Organisation, ifMatch int64) (*models.Organisation, error)
	DeleteOrganisation(ctx context.Context, actor, slug string, ifMatch int64) error
	Audit(ctx context.Context, f models.AuditFilter) (models.Page[models.AuditEntry], error)
}

// Store is everything the handlers need.
type Store interface {
	ArticleStore
	HelplineStore
	CampaignStore
	OrganisationStore
	TaxonomyStore
	HealthStore
	KeyStore
	EditorStore
	EssentialStore
	ChangeStore
	SearchStore
	WebhookStore
	StreamStore
	ContentState(ctx context.Context) (version int64, changedAt time.Time, err error)
	Now() time.Time
}

// Options are the handlers' settings from the configuration.
type Options struct {
	// PublicURL is the service's external base URL (e.g. https://signpost.example.org),
	// for the absolute links in feeds.
	PublicURL string
	// EmbedFrameAncestors is the CSP frame-ancestors of the embed page: the sites
	// that may frame it (default DefaultEmbedFrameAncestors, any).
	EmbedFrameAncestors string
	// QuickExitURL is the neutral site the widget's "Exit this page" goes to
	// (default DefaultQuickExitURL).
	QuickExitURL string
	// RequireIfMatch refuses a PUT, PATCH or DELETE of an existing item without
	// If-Match with 428, so that no editor overwrites a change unseen.
	RequireIfMatch bool
	// PublicURLFromRequest, when set, makes the embed URLs (oEmbed, the page's
	// discovery link) start with the request's own base URL instead of PublicURL:
	// for when the operator did not set the public URL.
	PublicURLFromRequest bool
	// TrustedProxies are the IP addresses and CIDRs of the reverse proxies whose
	// X-Forwarded-Host and X-Forwarded-Proto say the request's base URL.
	TrustedProxies []string
	// ContentCheck is how often, at most, the widget's fallback checks the
	// database for changed content while clients are over the widget's limit.
	ContentCheck time.Duration
	// CheckTarget checks a webhook's target URL against the server's policy and
	// says what is wrong with it ("" when nothing is); nil allows any.
	CheckTarget func(ctx context.Context, url string) string
	// SecretGrace is how long a rotated webhook secret still signs messages.
	SecretGrace time.Duration
	// StreamHeartbeat is how often an idle change stream sends a comment (default
	// DefaultStreamHeartbeat); StreamPerClient how many streams one client may
	// have open (default DefaultStreamPerClient).
	StreamHeartbeat time.Duration
	StreamPerClient int
	// Stop, when closed, ends every open stream: the server closes it as it
	// begins to shut down, since streams never end by themselves.
	Stop <-chan struct{}
}

// Handler serves the API's routes.
type Handler struct {
	store    Store
	opts     Options
	proxies  []netip.Prefix
	fallback *embedFallback
	streams  *streams
}

// New returns a Handler reading from store. The trusted proxies must be valid
// addresses or CIDRs (the configuration checks them); others are ignored.
func New(store Store, opts Options) *Handler {
	if opts.StreamHeartbeat <= 0 {
		opts.StreamHeartbeat = DefaultStreamHeartbeat
	}
	if opts.StreamPerClient <= 0 {
		opts.StreamPerClient = DefaultStreamPerClient
	}
	h := &Handler{store: store, opts: opts, proxies: parseProxies(opts.TrustedProxies), streams: newStreams(store.LatestChange)}
	h.fallback = &embedFallback{h: h, checkEvery: opts.ContentCheck}
	return h
}

// writeList writes the list envelope and, when there is a next page, a Link header.
func writeList(c *gin.Context, data any, limit int, next string) {
	if limit == 0 {
		limit = models.DefaultLimit
	}
	if _, ok := c.GetQuery("fields"); ok {
		projected, err := sparse(c, data)
		if err != nil {
			WriteError(c, err)
			return
		}
		data = projected
	}
	resp := ListResponse{Data: data, Meta: ListMeta{Limit: limit}, Links: ListLinks{Self: c.Request.URL.RequestURI()}}
	if next != "" {
		link := nextLink(c, next)
		resp.Meta.NextCursor = &next
		resp.Links.Next = &link
		c.Header("Link", "<"+link+`>; rel="next"`)
	}
	c.JSON(http.StatusOK, resp)
}

func writeItem(c *gin.Context, data any) {
	c.JSON(http.StatusOK, ItemResponse{Data: data})
}

// writeRawList writes the list envelope around items that are JSON already, and
// the Link header, as writeList does.
func writeRawList(c *gin.Context, items [][]byte, limit int, next string) {
	if limit == 0 {
		limit = models.DefaultLimit
	}
	meta := ListMeta{Limit: limit}
	links := ListLinks{Self: c.Request.URL.RequestURI()}
	if next != "" {
		link := nextLink(c, next)
		meta.NextCursor, links.Next = &next, &link
		c.Header("Link", "<"+link+`>; rel="next"`)
	}
	mb, err := json.Marshal(meta)
	if err != nil {
		WriteError(c, err)
		return
	}
	lb, err := json.Marshal(links)
	if err != nil {
		WriteError(c, err)
		return
	}
	n := len(`{"data":[],"meta":,"links":}`) + len(mb) + len(lb)
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"data":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	b = append(b, `],"meta":`...)
	b = append(b, mb...)
	b = append(b, `,"links":`...)
	b = append(b, lb...)
	b = append(b, '}')
	writeOwnedBody(c, b)
}

// writeRawItem writes the item envelope around an item that is JSON already.
func writeRawItem(c *gin.Context, item []byte) {
	b := make([]byte, 0, len(item)+len(`{"data":}`))
	b = append(b, `{"data":`...)
	b = append(b, item...)
	b = append(b, '}')
	writeOwnedBody(c, b)
}

// nextLink is the URL of the list's next page: the request's with the cursor.
func nextLink(c *gin.Context, next string) string {
	u := *c.Request.URL
	q := u.Query()
	q.Set("cursor", next)
	u.RawQuery = q.Encode()
	return (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).RequestURI()
}

// jsonRaw is stored JSON passed through as it is.
type jsonRaw string

// MarshalJSON returns the stored JSON.
func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

// setItemLastModified sets Last-Modified for an item: the later of its own update and
// the last content write (an item shows the names of related items, which may have
// changed since). Answers that depend on the time (open now, a campaign's status)
// are also no older than the start of the period they describe.
func (h *Handler) setItemLastModified(c *gin.Context, updated time.Time, period time.Duration) {
	_, changed, err := h.store.ContentState(c.Request.Context())
	if err != nil {
		return // Last-Modified is optional; the ETag still works
	}
	t := updated
	if changed.After(t) {
		t = changed
	}
	if period > 0 {
		if p := h.store.Now().Truncate(period); p.After(t) {
			t = p
		}
	}
	setLastModified(c, t)
}
