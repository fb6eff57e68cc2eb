package handlers

import (
	"context"
	"time"

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
	// OpeningHours are the channel's own hours: absent when the line's apply, an
	// empty week when they are not published.
	OpeningHours *OpeningHours `json:"opening_hours,omitempty"`
}

// EssentialLine is an emergency or national helpline in short form, with what an
// app needs to show it with no network: its hours as data (to work out whether it
// is open), the limits of its confidentiality and when it was last checked.
type EssentialLine struct {
	Slug        string   `json:"slug" example:"emergency-999"`
	Name        string   `json:"name" example:"Emergency services (999)"`
	Emergency   bool     `json:"emergency" example:"true"`
	Description string   `json:"description" example:"Call 999 when a child is in immediate danger."`
	Coverage    []string `json:"coverage" example:"united-kingdom"`
	// OpeningHours is null when the hours are not known.
	OpeningHours        *OpeningHours      `json:"opening_hours" extensions:"x-nullable"`
	HoursText           string             `json:"hours_text" example:"Open 24 hours, every day"`
	Anonymous           bool               `json:"anonymous" example:"false"`
	Confidential        bool               `json:"confidential" example:"false"`
	ConfidentialityNote string             `json:"confidentiality_note" example:"Information that identifies a child at risk is passed on."`
	LastVerifiedAt      *time.Time         `json:"last_verified_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	VerificationDue     bool               `json:"verification_due" example:"false"`
	Contacts            []EssentialContact `json:"contacts"`
}

// EssentialsBundle is the body of /helplines/essentials.
type EssentialsBundle struct {
	Data struct {
		// GeneratedAt is when the bundle was made, to the hour (the start of the
		// hour), so that it stays the same, ETag and all, until the data change or
		// the hour turns.
		GeneratedAt time.Time       `json:"generated_at" format:"date-time" example:"2027-02-01T10:00:00Z"`
		Helplines   []EssentialLine `json:"helplines"`
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
	dependsOnItems(c, "helpline", lines, helplineSlug)
	// verification_due flips as time passes; the hours are given whole, not as
	// open now, so that apps work that out themselves.
	for i := range lines {
		if d := lines[i].DueAt; d != nil {
			validUntil(c, *d, h.store.Now)
		}
	}
	var out EssentialsBundle
	out.Data.GeneratedAt = h.store.Now().UTC().Truncate(time.Hour)
	// generated_at only says when the bundle was made, so caches may keep an older
	// one; this server makes a new one each hour.
	renderAgainAt(c, out.Data.GeneratedAt.Add(time.Hour))
	out.Data.Helplines = make([]EssentialLine, len(lines))
	for i := range lines {
		// From the API form, so that the hours and their "unknown" say the same.
		j := helplineJSON(&lines[i])
		e := EssentialLine{Slug: j.Slug, Name: j.Name, Emergency: j.Emergency, Description: j.Description,
			Coverage: slugsOf(lines[i].Coverage), OpeningHours: j.OpeningHours, HoursText: j.HoursText,
			Anonymous: j.Anonymous, Confidential: j.Confidential, ConfidentialityNote: j.ConfidentialityNote,
			LastVerifiedAt: j.LastVerifiedAt, VerificationDue: j.VerificationDue,
			Contacts: make([]EssentialContact, len(j.Contacts))}
		for k, ct := range j.Contacts {
			e.Contacts[k] = EssentialContact{Type: ct.Type, Label: ct.Label, Display: ct.Display, E164: ct.E164,
				URI: ct.URI, Cost: ct.Cost, Note: ct.Note, OpeningHours: ct.OpeningHours}
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
