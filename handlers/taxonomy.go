package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// RegionList is the region tree, parents before children.
type RegionList struct {
	Data []Region `json:"data"`
}

// listRegions godoc
//
//	@Summary		The region tree
//	@ID				listRegions
//	@Description	United Kingdom, its nations and their police force areas, and Ireland; each with its parent and children, parents first.
//	@Tags			vocabulary
//	@Produce		json
//	@Success		200	{object}	RegionList
//	@Header			200	{string}	ETag	"strong entity tag"
//	@Failure		400	{object}	Problem	"invalid parameter"
//	@Failure		401	{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		500	{object}	Problem	"internal error"
//	@Router			/api/v1/regions [get]
func (h *Handler) listRegions(c *gin.Context) {
	if _, err := parseQuery(c.Request.URL); err != nil {
		WriteError(c, err)
		return
	}
	rs, err := h.store.Regions(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	data := make([]Region, len(rs))
	for i, r := range rs {
		data[i] = Region{Slug: r.Slug, Name: r.Name, Kind: r.Kind, Parent: refPtr(r.Parent), Children: refs(r.Children)}
	}
	dependsOn(c, tagStatic)
	c.JSON(http.StatusOK, RegionList{Data: data})
}

// TopicList is the controlled vocabulary.
type TopicList struct {
	Data []Topic `json:"data"`
}

// listTopics godoc
//
//	@Summary		Topics and audiences
//	@ID				listTopics
//	@Description	The controlled vocabulary used to tag articles and helplines.
//	@Tags			vocabulary
//	@Produce		json
//	@Param			kind	query		string	false	"only topics or only audiences"	Enums(topic, audience)
//	@Success		200		{object}	TopicList
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Failure		400		{object}	Problem	"invalid parameter"
//	@Failure		401		{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/topics [get]
func (h *Handler) listTopics(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, "kind")
	if err != nil {
		WriteError(c, err)
		return
	}
	kind, err := q.oneOf("kind", "topic", "audience")
	if err != nil {
		WriteError(c, err)
		return
	}
	ts, err := h.store.Topics(c.Request.Context(), models.TopicFilter{Kind: kind})
	if err != nil {
		WriteError(c, err)
		return
	}
	data := make([]Topic, len(ts))
	for i, t := range ts {
		data[i] = Topic{Slug: t.Slug, Name: t.Name, Kind: t.Kind, Description: t.Description}
	}
	dependsOn(c, tagStatic)
	c.JSON(http.StatusOK, TopicList{Data: data})
}
