package handlers

import (
	"github.com/gin-gonic/gin"

	"signpost/models"
)

// OrganisationList is the list envelope of organisations, for the docs.
type OrganisationList struct {
	Data  []Organisation `json:"data"`
	Meta  ListMeta       `json:"meta"`
	Links ListLinks      `json:"links"`
}

// listOrganisations godoc
//
//	@Summary		List organisations
//	@ID				listOrganisations
//	@Description	Publishers, helpline operators, campaign organisers and funders, by name.
//	@Tags			organisations
//	@Produce		json
//	@Param			kind	query		string	false	"kind"	Enums(police, charity, government, media, other)
//	@Param			limit	query		int		false	"page size, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Param			fields				query		string	false	"comma-separated fields to return for each item, e.g. slug,title,published_at"
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	OrganisationList
//	@Header			200		{string}	Link	"<URL of the next page>; rel=next"
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Failure		400		{object}	Problem	"invalid parameter"
//	@Failure		401		{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/organisations [get]
func (h *Handler) listOrganisations(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, listParams("kind")...)
	if err != nil {
		WriteError(c, err)
		return
	}
	var f models.OrganisationFilter
	var errs [3]error
	f.Kind, errs[0] = q.oneOf("kind", models.OrganisationKinds...)
	f.Limit, errs[1] = q.limit()
	f.Cursor, errs[2] = q.str("cursor")
	if err := firstErr(errs[:]...); err != nil {
		WriteError(c, err)
		return
	}
	page, err := h.store.FindOrganisations(c.Request.Context(), f)
	if err != nil {
		WriteError(c, err)
		return
	}
	dependsOnItems(c, "organisation", page.Items, organisationSlug)
	data := make([]Organisation, len(page.Items))
	for i := range page.Items {
		data[i] = organisationJSON(&page.Items[i])
	}
	writeList(c, data, f.Limit, page.NextCursor)
}

// OrganisationItem is the item envelope of an organisation, for the docs.
type OrganisationItem struct {
	Data Organisation `json:"data"`
}

// getOrganisation godoc
//
//	@Summary		Get one organisation
//	@ID				getOrganisation
//	@Description	One organisation with its parent. An old slug answers 301.
//	@Tags			organisations
//	@Produce		json
//	@Param			slug	path		string	true	"organisation slug"	example(lucy-faithfull-foundation)
//	@Success		200		{object}	OrganisationItem
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Header			200		{string}	Last-Modified	"when the item last changed, as an HTTP date; send it in If-Modified-Since to revalidate"
//	@Success		301		"the organisation's slug changed; Location has the new URL"
//	@Header			301		{string}	Location	"the organisation's current URL"
//	@Failure		400		{object}	Problem	"invalid parameter"
//	@Failure		401		{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		404		{object}	Problem	"no such organisation"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/organisations/{slug} [get]
func (h *Handler) getOrganisation(c *gin.Context) {
	if _, err := parseQuery(c.Request.URL); err != nil {
		WriteError(c, err)
		return
	}
	if h.organisations().getEditor(c) {
		return
	}
	o, err := h.store.FindOrganisation(c.Request.Context(), c.Param("slug"))
	if err != nil {
		WriteError(c, err)
		return
	}
	setVersion(c, o.Version)
	h.setItemLastModified(c, o.UpdatedAt, 0)
	dependsOn(c, itemTag("organisation", o.Slug))
	writeItem(c, organisationJSON(o))
}
