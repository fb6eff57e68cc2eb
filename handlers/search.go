package handlers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// SearchStore searches articles, helplines and campaigns.
type SearchStore interface {
	Search(ctx context.Context, f models.SearchFilter) ([]models.SearchHit, error)
}

// SearchHit is one search result.
type SearchHit struct {
	Type  string `json:"type" enums:"article,helpline,campaign" example:"article"`
	Slug  string `json:"slug" example:"cumbria-week-of-action-online-child-sexual-abuse"`
	Title string `json:"title" example:"Cumbria Police week of action on online child abuse images: six children safeguarded"`
	// Snippet is HTML: the text is escaped and the matched words are in <mark>.
	Snippet string `json:"snippet" example:"Six children were <mark>safeguarded</mark>, two warrants executed and two people arrested."`
	// Score is how the hit matches, its tier in the order: 3 when all the query's
	// words are in its title (a helpline's keywords count as its name), 2 when they
	// are in its title, summary and topics, 1 when the body is needed.
	Score       float64    `json:"score" example:"3"`
	PublishedAt *time.Time `json:"published_at" format:"date-time" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	URL         string     `json:"url" format:"uri-reference" example:"/api/v1/articles/cumbria-week-of-action-online-child-sexual-abuse"`
}

// SearchList is the envelope of search results, for the docs. There is never a next
// page: next_cursor and links.next are always null.
type SearchList struct {
	Data  []SearchHit `json:"data"`
	Meta  ListMeta    `json:"meta"`
	Links ListLinks   `json:"links"`
}

// search godoc
//
//	@Summary		Search articles, helplines and campaigns
//	@ID				search
//	@Description	One ranked full-text search over published articles, helplines and campaigns, best first: by score (all the words in the title, then in the title, summary and topics, then anywhere), then helplines, campaigns and articles, each the most recently added first. Returns the top `limit` results only: there is no cursor, and next_cursor and links.next are always null. The snippet is HTML — escaped text with the matched words in <mark> elements. Query syntax: words (all must match), "quoted phrases", prefix* (at least 2 letters before the *), AND, OR and NOT in upper case (NOT binds tighter than AND, AND tighter than OR; lower-case "and" is a word), and parentheses. Case and accents are ignored; other punctuation separates words. A malformed query is a 400 naming q.
//	@Tags			search
//	@Produce		json
//	@Param			q		query		string	true	"what to search for (at most 500 characters and 32 words), e.g. safeguarded, abus*, helpline NOT phone"	minlength(1)	maxlength(500)	example(safeguarding)
//	@Param			type	query		string	false	"comma-separated types of content to search; default all: article,helpline,campaign"
//	@Param			limit	query		int		false	"how many results, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Success		200		{object}	SearchList
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Failure		400		{object}	Problem	"invalid parameter, such as a malformed query"
//	@Failure		401		{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/search [get]
func (h *Handler) search(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, "q", "type", "limit")
	if err != nil {
		WriteError(c, err)
		return
	}
	var f models.SearchFilter
	var types string
	var errs [3]error
	f.Q, errs[0] = q.str("q")
	types, errs[1] = q.str("type")
	f.Limit, errs[2] = q.limit()
	if err := firstErr(errs[:]...); err != nil {
		WriteError(c, err)
		return
	}
	if f.Q == "" {
		WriteError(c, models.BadParam("q", "is required: the words to search for"))
		return
	}
	if types != "" {
		for _, t := range strings.Split(types, ",") {
			f.Types = append(f.Types, strings.TrimSpace(t))
		}
	}
	f.Visibility = visibility(c)
	hits, err := h.store.Search(c.Request.Context(), f)
	if err != nil {
		WriteError(c, err)
		return
	}
	data := make([]SearchHit, len(hits))
	for i, hit := range hits {
		data[i] = SearchHit{Type: hit.Type, Slug: hit.Slug, Title: hit.Title, Snippet: hit.Snippet, Score: hit.Score,
			PublishedAt: hit.PublishedAt, URL: itemPaths[hit.Type] + hit.Slug}
	}
	limit := f.Limit
	if limit == 0 {
		limit = models.DefaultLimit
	}
	dependsOn(c, contentTypes...)
	c.JSON(http.StatusOK, SearchList{Data: data, Meta: ListMeta{Limit: limit}, Links: ListLinks{Self: c.Request.URL.RequestURI()}})
}
