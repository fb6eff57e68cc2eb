package handlers

import (
	"context"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// EssentialStore reads the helplines apps keep for when they have no network, and
// those due for checking.
type EssentialStore interface {
	Essentials(ctx context.Context) ([]models.Helpline, error)
	HelplinesDue(ctx context.Context) ([]models.Helpline, error)
}

// EssentialContact is one way to reach an essential line, in the fewest fields an
// app needs to show and dial it.
type EssentialContact struct {
	Type    string  `json:"type" enums:"phone,textphone,sms,webchat,email,web" example:"phone"`
	Label   string  `json:"label" example:"Phone"`
	Display string  `json:"display" example:"999"`
	E164    *string `json:"e164" example:"+448081000900" extensions:"x-nullable"`
	URI     string  `json:"uri" format:"uri" example:"tel:999"`
	Cost    string  `json:"cost,omitempty" example:"Free"`
	Note    string  `json:"note,omitempty" example:"112 also works."`
}

// EssentialLine is an emergency or national helpline in short form.
type EssentialLine struct {
	Slug         string             `json:"slug" example:"emergency-999"`
	Name         string             `json:"name" example:"Emergency services (999)"`
	Emergency    bool               `json:"emergency" example:"true"`
	Description  string             `json:"description" example:"Call 999 when a child is in immediate danger."`
	Coverage     []string           `json:"coverage" example:"united-kingdom"`
	HoursText    string             `json:"hours_text" example:"Open 24 hours, every day"`
	Anonymous    bool               `json:"anonymous" example:"false"`
	Confidential bool               `json:"confidential" example:"false"`
	Contacts     []EssentialContact `json:"contacts"`
}

// EssentialsBundle is the body of /helplines/essentials.
type EssentialsBundle struct {
	Data struct {
		Helplines []EssentialLine `json:"helplines"`
	} `json:"data"`
}

// essentialsCacheControl lets apps and caches keep the bundle for an hour, and fall
// back on it for a month when the API cannot be reached.
const essentialsCacheControl = "public, max-age=3600, stale-while-revalidate=86400, stale-if-error=2592000"

// getEssentials godoc
//
//	@Summary		Emergency and national helplines, for offline use
//	@ID				getEssentials
//	@Description	A small bundle of the emergency lines and the lines that serve a whole country (999, 101, their textphone routes, Crimestoppers, Stop It Now! for the UK and Ireland), for apps to keep for when they have no network. Long-cacheable; it follows the data, so its ETag changes when a helpline is edited.
//	@Tags			helplines
//	@Produce		json
//	@Success		200	{object}	EssentialsBundle
//	@Header			200	{string}	ETag	"strong entity tag"
//	@Failure		400	{object}	Problem	"invalid parameter"
//	@Failure		401	{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		500	{object}	Problem	"internal error"
//	@Router			/api/v1/helplines/essentials [get]
func (h *Handler) getEssentials(c *gin.Context) {
	if _, err := parseQuery(c.Request.URL); err != nil {
		WriteError(c, err)
		return
	}
	lines, err := h.store.Essentials(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	var out EssentialsBundle
	out.Data.Helplines = make([]EssentialLine, len(lines))
	for i := range lines {
		l := &lines[i]
		e := EssentialLine{Slug: l.Slug, Name: l.Name, Emergency: l.Emergency, Description: l.Description,
			Coverage: slugsOf(l.Coverage), HoursText: l.Hours.Text(), Anonymous: l.Anonymous, Confidential: l.Confidential,
			Contacts: make([]EssentialContact, len(l.Contacts))}
		for j, ct := range l.Contacts {
			e.Contacts[j] = EssentialContact{Type: ct.Type, Label: ct.Label, Display: ct.Display, E164: optional(ct.E164),
				URI: ct.URI, Cost: ct.Cost, Note: ct.Note}
		}
		out.Data.Helplines[i] = e
	}
	if key(c) == nil {
		c.Header("Cache-Control", essentialsCacheControl)
	}
	c.JSON(200, out)
}

// listHelplinesDue godoc
//
//	@Summary		Helplines due for checking
//	@ID				listHelplinesDue
//	@Description	Helplines, published or not, whose details were never checked or were last checked longer ago than the verification period (default 180 days), the longest unchecked first.
//	@Tags			editorial
//	@Produce		json
//	@Security		ApiKey
//	@Success		200	{object}	HelplineList
//	@Failure		400	{object}	Problem	"invalid parameter"
//	@Failure		401	{object}	Problem	"missing or bad API key"
//	@Failure		403	{object}	Problem	"the key lacks the editor scope"
//	@Failure		500	{object}	Problem	"internal error"
//	@Router			/api/v1/helplines/due [get]
func (h *Handler) listHelplinesDue(c *gin.Context) {
	if _, err := parseQuery(c.Request.URL); err != nil {
		WriteError(c, err)
		return
	}
	lines, err := h.store.HelplinesDue(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	data := make([]Helpline, len(lines))
	for i := range lines {
		data[i] = helplineJSON(&lines[i])
	}
	c.Header("Cache-Control", "private, no-store")
	writeList(c, data, len(data), "")
}
