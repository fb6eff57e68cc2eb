package handlers

import (
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// CampaignList is the list envelope of campaigns, for the docs.
type CampaignList struct {
	Data  []Campaign `json:"data"`
	Meta  ListMeta   `json:"meta"`
	Links ListLinks  `json:"links"`
}

// listCampaigns godoc
//
//	@Summary		List campaigns
//	@ID				listCampaigns
//	@Description	Published campaigns by name; with q, the best matches first unless sort=name. status is derived from the dates: upcoming, active, ended, or unknown when the dates are not known.
//	@Tags			campaigns
//	@Produce		json
//	@Param			status			query		string	false	"derived status"	Enums(upcoming, active, ended, unknown)
//	@Param			region			query		string	false	"region slug; matches campaigns in that region, above it or below it"
//	@Param			organisation	query		string	false	"organisation slug: organiser or partner"
//	@Param			scope			query		string	false	"scope"	Enums(local, regional, national)
//	@Param			q				query		string	false	"full-text search over name, summary, organiser, partners and hashtags (syntax as /api/v1/search)"
//	@Param			sort			query		string	false	"order: relevance (the default with q, which it needs: all the words in the name first, then in the summary or hashtags, then anywhere; within each, the most recently added first) or name (the default without q)"	Enums(relevance, name)
//	@Param			limit			query		int		false	"page size, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Param			fields				query		string	false	"comma-separated fields to return for each item, e.g. slug,title,published_at"
//	@Param			cursor			query		string	false	"next_cursor from the previous page"
//	@Success		200				{object}	CampaignList
//	@Header			200				{string}	Link	"<URL of the next page>; rel=next"
//	@Header			200				{string}	ETag	"strong entity tag"
//	@Failure		400				{object}	Problem	"invalid parameter"
//	@Failure		401				{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		500				{object}	Problem	"internal error"
//	@Router			/api/v1/campaigns [get]
func (h *Handler) listCampaigns(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, listParams("status", "region", "organisation", "scope", "q", "sort")...)
	if err != nil {
		WriteError(c, err)
		return
	}
	var f models.CampaignFilter
	var errs [8]error
	f.Period, errs[0] = q.oneOf("status", models.PeriodUpcoming, models.PeriodActive, models.PeriodEnded, models.PeriodUnknown)
	f.Region, errs[1] = q.slug("region")
	f.Organisation, errs[2] = q.slug("organisation")
	f.Scope, errs[3] = q.oneOf("scope", models.CampaignScopes...)
	f.Limit, errs[4] = q.limit()
	f.Cursor, errs[5] = q.str("cursor")
	f.Q, errs[6] = q.str("q")
	if errs[6] == nil {
		f.Sort, errs[7] = q.sort(f.Q, "name")
	}
	if err := firstErr(errs[:]...); err != nil {
		WriteError(c, err)
		return
	}
	f.Visibility = visibility(c)
	page, err := h.store.FindCampaigns(c.Request.Context(), f)
	if err != nil {
		WriteError(c, err)
		return
	}
	now := h.store.Now()
	dependsOnItems(c, "campaign", page.Items, campaignSlug)
	dependsOnFilter(c, "organisation", f.Organisation)
	validUntil(c, nextDay(now), h.store.Now)
	data := make([]Campaign, len(page.Items))
	for i := range page.Items {
		data[i] = campaignJSON(&page.Items[i], now)
	}
	writeList(c, data, f.Limit, page.NextCursor)
}

// CampaignItem is the item envelope of a campaign, for the docs.
type CampaignItem struct {
	Data Campaign `json:"data"`
}

// getCampaign godoc
//
//	@Summary		Get one campaign
//	@ID				getCampaign
//	@Description	One campaign with organiser, partners, period, hashtags, outcomes (its own, plus totals of its articles' outcomes), helplines and latest articles. An old slug answers 301.
//	@Tags			campaigns
//	@Produce		json
//	@Param			slug	path		string	true	"campaign slug"	example(stop-it-now-deterrence)
//	@Success		200		{object}	CampaignItem
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Header			200		{string}	Last-Modified	"when the item last changed, as an HTTP date; send it in If-Modified-Since to revalidate"
//	@Success		301		"the campaign's slug changed; Location has the new URL"
//	@Header			301		{string}	Location	"the campaign's current URL"
//	@Failure		400		{object}	Problem	"invalid parameter"
//	@Failure		401		{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		404		{object}	Problem	"no such campaign"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/campaigns/{slug} [get]
func (h *Handler) getCampaign(c *gin.Context) {
	if _, err := parseQuery(c.Request.URL); err != nil {
		WriteError(c, err)
		return
	}
	if h.campaigns().getEditor(c) {
		return
	}
	cp, err := h.store.FindCampaign(c.Request.Context(), c.Param("slug"), models.Visibility{})
	if err != nil {
		WriteError(c, err)
		return
	}
	setVersion(c, cp.Version)
	now := h.store.Now()
	dependsOn(c, itemTag("campaign", cp.Slug))
	validUntil(c, nextDay(now), h.store.Now)
	h.setItemLastModified(c, cp.UpdatedAt, 24*time.Hour)
	writeItem(c, campaignJSON(cp, now))
}
