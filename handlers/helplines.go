package handlers

import (
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// HelplineList is the list envelope of helplines, for the docs.
type HelplineList struct {
	Data  []Helpline `json:"data"`
	Meta  ListMeta   `json:"meta"`
	Links ListLinks  `json:"links"`
}

// listHelplines godoc
//
//	@Summary		List helplines
//	@ID				listHelplines
//	@Description	Published helplines in the order a person in need wants them: lines open now first, then the rest, each by name; with q, the best matches first unless sort=open_first. open_now and next_change_at are computed for the moment of the request (or for `at`).
//	@Tags			helplines
//	@Produce		json
//	@Param			region		query		string	false	"region slug; matches lines whose coverage contains it or any region above it (a UK-wide line serves Cumbria)"
//	@Param			topic		query		string	false	"topic slug"
//	@Param			audience	query		string	false	"audience slug"
//	@Param			channel		query		string	false	"contact channel"	Enums(phone, textphone, sms, webchat, email, web)
//	@Param			open_now	query		bool	false	"only lines open at the moment (or at `at`)"
//	@Param			at			query		string	false	"RFC 3339 time within a year of now to compute open_now for, instead of now"	format(date-time)
//	@Param			q			query		string	false	"full-text search over name, keywords, description, organisation, contacts, topics and audiences (syntax as /api/v1/search)"
//	@Param			sort		query		string	false	"order: relevance (the default with q, which it needs: all the words in the name or keywords first, then in the description or topics, then anywhere; within each, open lines first, by name) or open_first (the default without q)"	Enums(relevance, open_first)
//	@Param			limit		query		int		false	"page size, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Param			fields		query		string	false	"comma-separated fields to return for each item, e.g. slug,title,published_at"
//	@Param			cursor		query		string	false	"next_cursor from the previous page"
//	@Success		200			{object}	HelplineList
//	@Header			200			{string}	Link			"<URL of the next page>; rel=next"
//	@Header			200			{string}	ETag			"strong entity tag"
//	@Header			200			{string}	Cache-Control	"private, max-age=60 when at is given: never kept by shared caches"
//	@Failure		400			{object}	Problem			"invalid parameter (at more than a year from now included)"
//	@Failure		401			{object}	Problem			"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		500			{object}	Problem			"internal error"
//	@Router			/api/v1/helplines [get]
func (h *Handler) listHelplines(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, listParams("region", "topic", "audience", "channel", "open_now", "at", "q", "sort")...)
	if err != nil {
		WriteError(c, err)
		return
	}
	var f models.HelplineFilter
	var errs [10]error
	f.Region, errs[0] = q.slug("region")
	f.Topic, errs[1] = q.slug("topic")
	f.Audience, errs[2] = q.slug("audience")
	f.Channel, errs[3] = q.oneOf("channel", models.ChannelTypes...)
	f.OpenNow, errs[4] = q.boolean("open_now")
	f.At, errs[5] = q.instant("at")
	f.Limit, errs[6] = q.limit()
	f.Cursor, errs[7] = q.str("cursor")
	f.Q, errs[8] = q.str("q")
	if errs[8] == nil {
		f.Sort, errs[9] = q.sort(f.Q, "open_first")
	}
	if err := firstErr(errs[:]...); err != nil {
		WriteError(c, err)
		return
	}
	f.Visibility = visibility(c)
	page, err := h.store.FindHelplines(c.Request.Context(), f)
	if err != nil {
		WriteError(c, err)
		return
	}
	dependsOnItems(c, "helpline", page.Items, helplineSlug)
	validUntil(c, page.Until, h.store.Now)
	data := make([]Helpline, len(page.Items))
	for i := range page.Items {
		if f.Visibility.Editor {
			data[i] = helplineEditorJSON(&page.Items[i])
		} else {
			data[i] = helplineJSON(&page.Items[i])
		}
	}
	writeList(c, data, f.Limit, page.NextCursor)
}

// HelplineItem is the item envelope of a helpline, for the docs.
type HelplineItem struct {
	Data Helpline `json:"data"`
}

// getHelpline godoc
//
//	@Summary		Get one helpline
//	@ID				getHelpline
//	@Description	One helpline with its contact channels, opening hours (structured and as text), open_now and next_change_at. An old slug answers 301.
//	@Tags			helplines
//	@Produce		json
//	@Param			slug	path		string	true	"helpline slug"	example(stop-it-now)
//	@Param			at		query		string	false	"RFC 3339 time within a year of now to compute open_now for, instead of now"	format(date-time)
//	@Success		200		{object}	HelplineItem
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Header			200		{string}	Last-Modified	"when the item last changed, as an HTTP date; send it in If-Modified-Since to revalidate"
//	@Success		301		"the helpline's slug changed; Location has the new URL"
//	@Header			301		{string}	Location	"the helpline's current URL"
//	@Failure		400		{object}	Problem	"invalid parameter (at more than a year from now included)"
//	@Failure		401		{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		404		{object}	Problem	"no such helpline"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/helplines/{slug} [get]
func (h *Handler) getHelpline(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, "at")
	if err != nil {
		WriteError(c, err)
		return
	}
	at, err := q.instant("at")
	if err != nil {
		WriteError(c, err)
		return
	}
	// An editor's read includes drafts; open_now is still computed for at.
	v := visibility(c)
	hl, err := h.store.FindHelpline(c.Request.Context(), c.Param("slug"), at, v)
	if err != nil {
		WriteError(c, err)
		return
	}
	setVersion(c, hl.Version)
	dependsOn(c, itemTag("helpline", hl.Slug))
	validUntil(c, hl.Until(), h.store.Now)
	if v.Editor {
		writeItem(c, helplineEditorJSON(hl))
		return
	}
	h.setItemLastModified(c, hl.UpdatedAt, time.Minute)
	writeItem(c, helplineJSON(hl))
}
