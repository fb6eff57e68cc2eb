package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// ChangeStore reads the changes feed.
type ChangeStore interface {
	Changes(ctx context.Context, f models.ChangeFilter) (models.ChangePage, error)
}

// Change is one event of the sync feed. A tombstone means: drop this item.
type Change struct {
	Seq       int64     `json:"seq" example:"42"`
	At        time.Time `json:"at" format:"date-time" example:"2027-01-31T09:00:00Z"`
	Type      string    `json:"type" enums:"article,helpline,campaign,organisation" example:"article"`
	Slug      string    `json:"slug" example:"cumbria-week-of-action-online-child-sexual-abuse"`
	Action    string    `json:"action" enums:"create,update,publish,unpublish,archive,delete,move" example:"update"`
	Tombstone bool      `json:"tombstone" example:"false"`
	URL       string    `json:"url" format:"uri-reference" example:"/api/v1/articles/cumbria-week-of-action-online-child-sexual-abuse"`
}

// ChangesMeta describes a page of the feed. resume_cursor is always there (once
// anything has happened): store it and pass it as since next time.
type ChangesMeta struct {
	Limit        int     `json:"limit" minimum:"1" maximum:"100" example:"100"`
	NextCursor   *string `json:"next_cursor" example:"eyJsIjoiY2hhbmdlcyJ9" extensions:"x-nullable"`
	ResumeCursor *string `json:"resume_cursor" example:"eyJsIjoiY2hhbmdlcyJ9" extensions:"x-nullable"`
}

// ChangeList is a page of the changes feed.
type ChangeList struct {
	Data  []Change    `json:"data"`
	Meta  ChangesMeta `json:"meta"`
	Links ListLinks   `json:"links"`
}

var itemPaths = map[string]string{
	"article": "/api/v1/articles/", "helpline": "/api/v1/helplines/",
	"campaign": "/api/v1/campaigns/", "organisation": "/api/v1/organisations/",
}

// listChanges godoc
//
//	@Summary		Sync feed of changes
//	@ID				listChanges
//	@Description	Every create, update, publish, unpublish, archive and delete of public content, oldest first, for apps that keep a copy. Start without since, apply each event in order — a tombstone means drop the item; otherwise fetch it from url — and next time pass as since the seq of the last event you applied (or meta.resume_cursor). Events are numbered in commit order and their times rise with their numbers, so none is missed while you page and since=<time> returns exactly the events at or after that time.
//	@Tags			sync
//	@Produce		json
//	@Param			since	query		string	false	"the seq of the last event you applied (the events after it), a resume_cursor or next_cursor from an earlier page, or an RFC 3339 time (the events at or after it)"
//	@Param			limit	query		int		false	"page size, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Success		200		{object}	ChangeList
//	@Header			200		{string}	Link	"<next page>; rel=\"next\""
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Failure		400		{object}	Problem	"invalid parameter"
//	@Failure		401		{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/changes [get]
func (h *Handler) listChanges(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, "since", "limit")
	if err != nil {
		WriteError(c, err)
		return
	}
	var f models.ChangeFilter
	since, err1 := q.str("since")
	f.Limit, err = q.limit()
	if err := firstErr(err1, err); err != nil {
		WriteError(c, err)
		return
	}
	// since is an event's seq (digits), an RFC 3339 time, or else a cursor: cursors
	// are base64 of JSON and never all digits.
	if since != "" {
		if n, err := strconv.ParseInt(since, 10, 64); err == nil && since[0] != '+' && since[0] != '-' {
			f.After = &n
		} else if t, err := time.Parse(time.RFC3339Nano, since); err == nil {
			f.Since = &t
		} else {
			f.Cursor = since
		}
	}
	page, err := h.store.Changes(c.Request.Context(), f)
	if err != nil {
		if models.ErrorCode(err) == models.EBADPARAM {
			err = models.BadParam("since", "must be the seq of an event, a cursor from this feed or an RFC 3339 time")
		}
		WriteError(c, err)
		return
	}
	data := make([]Change, len(page.Items))
	for i, ch := range page.Items {
		data[i] = Change{Seq: ch.ID, At: ch.At, Type: ch.ItemType, Slug: ch.Slug, Action: ch.Action,
			Tombstone: ch.Tombstone, URL: itemPaths[ch.ItemType] + ch.Slug}
	}
	limit := f.Limit
	if limit == 0 {
		limit = models.DefaultLimit
	}
	resp := ChangeList{Data: data, Meta: ChangesMeta{Limit: limit, ResumeCursor: optional(page.Resume)},
		Links: ListLinks{Self: c.Request.URL.RequestURI()}}
	if page.Next != "" {
		u := *c.Request.URL
		qv := u.Query()
		qv.Set("since", page.Next)
		u.RawQuery = qv.Encode()
		link := u.RequestURI()
		resp.Meta.NextCursor, resp.Links.Next = &page.Next, &link
		c.Header("Link", "<"+link+`>; rel="next"`)
	}
	// Apps poll this; a short shared cache life keeps the feed fresh.
	c.Header("Cache-Control", "public, max-age=5")
	dependsOn(c, contentTypes...)
	c.JSON(http.StatusOK, resp)
}
