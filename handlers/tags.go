package handlers

import (
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// The tags an answer is made from, for the response cache (see ResponseCache): a
// type whose lists the answer shows, and each item it shows. A write touching an
// item drops the answers that carry its tag or its type's.

// Answers whose content no write can change (the region tree, the vocabulary, the
// API description, oEmbed) carry tagStatic, which no write touches.
const tagStatic = "static"

// contentTypes are the types whose writes an answer over all content (search, the
// changes feed) depends on.
var contentTypes = []string{"article", "helpline", "campaign", "organisation"}

func itemTag(itemType, slug string) string { return itemType + "/" + slug }

// dependsOnItems records the type's list tag and the tag of each item shown.
func dependsOnItems[T any](c *gin.Context, itemType string, items []T, slug func(*T) string) {
	tags := make([]string, 0, len(items)+1)
	tags = append(tags, itemType)
	for i := range items {
		tags = append(tags, itemTag(itemType, slug(&items[i])))
	}
	dependsOn(c, tags...)
}

// dependsOnFilter records the items that a list's filters name by slug: a new slug
// or a deletion changes what the filter selects.
func dependsOnFilter(c *gin.Context, itemType, slug string) {
	if slug != "" {
		dependsOn(c, itemTag(itemType, slug))
	}
}

// nextDay is the end of now's UTC day: a campaign's status (upcoming, active,
// ended) follows its dates, which change at midnight.
func nextDay(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

func articleSlug(a *models.Article) string           { return a.Slug }
func helplineSlug(h *models.Helpline) string         { return h.Slug }
func campaignSlug(c *models.Campaign) string         { return c.Slug }
func organisationSlug(o *models.Organisation) string { return o.Slug }
