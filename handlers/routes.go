package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// Routes registers every route of the API on r: the table of contents of Signpost.
func (h *Handler) Routes(r *gin.Engine) {
	r.Match(getHead, "/healthz", h.healthz)
	r.Match(getHead, "/readyz", h.readyz)

	// Feeds of published articles, with the article list's filters.
	r.Match(getHead, "/feeds/articles.rss", h.articlesRSS)
	r.Match(getHead, "/feeds/articles.atom", h.articlesAtom)
	r.Match(getHead, "/feeds/articles.json", h.articlesJSONFeed)

	// Pages for people: what the feeds, the widget's cards and oEmbed link to.
	r.Match(getHead, "/articles/:slug", h.getArticlePage)
	r.Match(getHead, "/helplines/:slug", h.getHelplinePage)

	// The widget for partner sites: a page for an iframe, a script and its JSON, and
	// oEmbed for the page.
	r.Match(getHead, "/embed/helplines", privateAt, h.embedPage)
	r.Match(getHead, "/embed/helplines.json", privateAt, h.embedJSON)
	r.Match(getHead, "/embed/helplines.js", h.embedScript)
	r.Match(getHead, "/oembed", h.oembed)

	v1 := r.Group("/api/v1")

	// Public reads. A valid editor key widens them to drafts. An answer for another
	// moment (at) is never kept by shared caches (privateAt).
	read := v1.Group("", h.OptionalKey())
	read.Match(getHead, "/articles", h.listArticles)
	read.Match(getHead, "/articles/:slug", h.getArticle)
	read.Match(getHead, "/helplines", privateAt, h.listHelplines)
	read.Match(getHead, "/helplines/essentials", h.getEssentials)
	read.Match(getHead, "/helplines/:slug", privateAt, h.getHelpline)
	read.Match(getHead, "/campaigns", h.listCampaigns)
	read.Match(getHead, "/campaigns/:slug", h.getCampaign)
	read.Match(getHead, "/organisations", h.listOrganisations)
	read.Match(getHead, "/organisations/:slug", h.getOrganisation)
	read.Match(getHead, "/regions", h.listRegions)
	read.Match(getHead, "/topics", h.listTopics)
	read.Match(getHead, "/search", h.search)
	read.Match(getHead, "/changes", h.listChanges)
	read.Match(getHead, "/changes/stream", h.streamChanges) // Server-Sent Events; see streaming

	// Editorial writes.
	edit := v1.Group("", h.RequireScope(models.ScopeEditor))
	edit.POST("/articles", h.createArticle)
	edit.PUT("/articles/:slug", h.replaceArticle)
	edit.PATCH("/articles/:slug", h.patchArticle)
	edit.DELETE("/articles/:slug", h.deleteArticle)
	edit.Match(getHead, "/helplines/due", h.listHelplinesDue)
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
	v1.Match(getHead, "/audit", h.RequireScope(models.ScopeAdmin), h.listAudit)
	hooks := v1.Group("/webhooks", h.RequireScope(models.ScopeAdmin))
	hooks.POST("", h.createWebhook)
	hooks.Match(getHead, "", h.listWebhooks)
	hooks.Match(getHead, "/:id", h.getWebhook)
	hooks.PATCH("/:id", h.updateWebhook)
	hooks.DELETE("/:id", h.deleteWebhook)
	hooks.POST("/:id/secret", h.rotateWebhookSecret)
	hooks.POST("/:id/test", h.testWebhook)
	hooks.Match(getHead, "/:id/deliveries", h.listDeliveries)
	hooks.POST("/:id/deliveries/:delivery/redeliver", h.redeliver)
}

// getHead is what every read answers: HEAD is GET without the body (RFC 9110).
var getHead = []string{http.MethodGet, http.MethodHead}
