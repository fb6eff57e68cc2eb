package handlers

import "github.com/gin-gonic/gin"

// Routes registers every route of the API on r: the table of contents of Signpost.
func (h *Handler) Routes(r *gin.Engine) {
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)

	v1 := r.Group("/api/v1")
	v1.GET("/articles", h.listArticles)
	v1.GET("/articles/:slug", h.getArticle)
	v1.GET("/helplines", h.listHelplines)
	v1.GET("/helplines/:slug", h.getHelpline)
	v1.GET("/campaigns", h.listCampaigns)
	v1.GET("/campaigns/:slug", h.getCampaign)
	v1.GET("/organisations", h.listOrganisations)
	v1.GET("/organisations/:slug", h.getOrganisation)
	v1.GET("/regions", h.listRegions)
	v1.GET("/topics", h.listTopics)
}
