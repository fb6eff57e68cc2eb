// Package handlers holds Signpost's HTTP handlers: each parses and validates the
// request, calls the store and writes the response in the API's envelopes.
package handlers

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// ArticleStore reads articles.
type ArticleStore interface {
	FindArticles(ctx context.Context, f models.ArticleFilter) (models.Page[models.Article], error)
	FindArticle(ctx context.Context, slug string, v models.Visibility) (*models.Article, error)
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

// HealthStore answers whether the database is reachable.
type HealthStore interface {
	Ping(ctx context.Context) error
}

// Store is everything the public read handlers need.
type Store interface {
	ArticleStore
	HelplineStore
	CampaignStore
	OrganisationStore
	TaxonomyStore
	HealthStore
	Now() time.Time
}

// Handler serves the API's routes.
type Handler struct {
	store Store
}

// New returns a Handler reading from store.
func New(store Store) *Handler {
	return &Handler{store: store}
}

// writeList writes the list envelope and, when there is a next page, a Link header.
func writeList(c *gin.Context, data any, limit int, next string) {
	if limit == 0 {
		limit = models.DefaultLimit
	}
	resp := ListResponse{Data: data, Meta: ListMeta{Limit: limit}, Links: ListLinks{Self: c.Request.URL.RequestURI()}}
	if next != "" {
		u := *c.Request.URL
		q := u.Query()
		q.Set("cursor", next)
		u.RawQuery = q.Encode()
		link := (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).RequestURI()
		resp.Meta.NextCursor = &next
		resp.Links.Next = &link
		c.Header("Link", "<"+link+`>; rel="next"`)
	}
	c.JSON(http.StatusOK, resp)
}

func writeItem(c *gin.Context, data any) {
	c.JSON(http.StatusOK, ItemResponse{Data: data})
}
