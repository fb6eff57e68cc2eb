package handlers

import (
	"github.com/gin-gonic/gin"

	"signpost/models"
)

// Routes registers every route of the API on r: the table of contents of Signpost.
func (h *Handler) Routes(r *gin.Engine) {
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)

	// Feeds of published articles, with the article list's filters.
	r.GET("/feeds/articles.rss", h.articlesRSS)
	r.GET("/feeds/articles.atom", h.articlesAtom)
	r.GET("/feeds/articles.json", h.articlesJSONFeed)

	// The widget for partner sites: a page for an iframe, a script and its JSON, and
	// oEmbed for the page.
	r.GET("/embed/helplines", h.embedPage)
	r.GET("/embed/helplines.json", h.embedJSON)
	r.GET("/embed/helplines.js", h.embedScript)
	r.GET("/oembed", h.oembed)

	v1 := r.Group("/api/v1")

	// Public reads. A valid editor key widens them to drafts.
	read := v1.Group("", h.OptionalKey())
	read.GET("/articles", h.listArticles)
	read.GET("/articles/:slug", h.getArticle)
	read.GET("/helplines", h.listHelplines)
	read.GET("/helplines/essentials", h.getEssentials)
	read.GET("/helplines/:slug", h.getHelpline)
	read.GET("/campaigns", h.listCampaigns)
	read.GET("/campaigns/:slug", h.getCampaign)
	read.GET("/organisations", h.listOrganisations)
	read.GET("/organisations/:slug", h.getOrganisation)
	read.GET("/regions", h.listRegions)
	read.GET("/topics", h.listTopics)
	read.GET("/search", h.search)
	read.GET("/changes", h.listChanges)

	// Editorial writes.
	edit := v1.Group("", h.RequireScope(models.ScopeEditor))
	edit.POST("/articles", h.createArticle)
	edit.PUT("/articles/:slug", h.replaceArticle)
	edit.PATCH("/articles/:slug", h.patchArticle)
	edit.DELETE("/articles/:slug", h.deleteArticle)
	edit.GET("/helplines/due", h.listHelplinesDue)
	edit.POST("/helplines", h.createHelpline)
	edit.PUT("/helplines/:slug", h.replaceHelpline)
	edit.PATCH("/helplines/:slug", h.patchHelpline)
	edit.DELETE("/helplines/:slug", h.deleteHelpline)
	edit.POST("/campaigns", h.createCampaign)
	edit.PUT("/campaigns/:slug", h.replaceCampaign)
	edit.PATCH("/campaigns/:slug", h.patchCampaign)
	edit.DELETE("/campaigns/:slug", h.deleteCampaign)
	edit.POST("/organisations", h.createOrganisation)
	edit.PUT("/organisations/:slug", h.replaceOrganisation)
	edit.PATCH("/organisations/:slug", h.patchOrganisation)
	edit.DELETE("/organisations/:slug", h.deleteOrganisation)

	// Administration.
	v1.GET("/audit", h.RequireScope(models.ScopeAdmin), h.listAudit)
}
