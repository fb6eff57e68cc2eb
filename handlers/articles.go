package handlers

import (
	"github.com/gin-gonic/gin"

	"signpost/models"
)

// ArticleList is the list envelope of articles, for the docs.
type ArticleList struct {
	Data  []Article `json:"data"`
	Meta  ListMeta  `json:"meta"`
	Links ListLinks `json:"links"`
}

// listArticles godoc
//
//	@Summary		List published articles
//	@ID				listArticles
//	@Description	Published articles, newest first, in pages; with q, best match first unless sort=newest (see the README, "Search"). Filters combine with AND. Unknown parameters are rejected.
//	@Tags			articles
//	@Produce		json
//	@Param			campaign			query		string	false	"campaign slug"
//	@Param			region				query		string	false	"region slug; matches articles about that region or any region below it"
//	@Param			topic				query		string	false	"topic slug"
//	@Param			organisation		query		string	false	"organisation slug: the publisher or an organisation the article is about"
//	@Param			published_after		query		string	false	"date (2027-01-31) or RFC 3339 time; inclusive"
//	@Param			published_before	query		string	false	"date or RFC 3339 time; exclusive"
//	@Param			q					query		string	false	"full-text search: words, quoted phrases, prefix*, AND, OR, NOT"
//	@Param			sort				query		string	false	"order: relevance (the default with q, which it needs: all the words in the title first, then in the summary or topics, then anywhere; within each, the most recently added first) or newest (by publication, the default without q)"	Enums(relevance, newest)
//	@Param			limit				query		int		false	"page size, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Param			fields				query		string	false	"comma-separated fields to return for each item, e.g. slug,title,published_at"
//	@Param			cursor				query		string	false	"next_cursor from the previous page"
//	@Success		200					{object}	ArticleList
//	@Header			200					{string}	Link	"<URL of the next page>; rel=next"
//	@Header			200					{string}	ETag	"strong entity tag"
//	@Failure		400					{object}	Problem	"invalid parameter"
//	@Failure		401					{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		500					{object}	Problem	"internal error"
//	@Router			/api/v1/articles [get]
func (h *Handler) listArticles(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, listParams("campaign", "region", "topic", "organisation", "published_after", "published_before", "q", "sort")...)
	if err != nil {
		WriteError(c, err)
		return
	}
	f, err := articleFilter(q)
	var cerr, serr error
	f.Cursor, cerr = q.str("cursor")
	f.Sort, serr = q.sort(f.Q, "newest")
	if err := firstErr(err, cerr, serr); err != nil {
		WriteError(c, err)
		return
	}
	f.Visibility = visibility(c)
	dependsOnFilter(c, "campaign", f.Campaign)
	dependsOnFilter(c, "organisation", f.Organisation)
	if _, sparse := c.GetQuery("fields"); !f.Visibility.Editor && !sparse {
		// The public list: each article's JSON was made when it was written.
		find := h.store.FindArticlesJSON
		if f.Sort == models.SortRelevance {
			find = h.store.RankedArticlesJSON
		}
		page, err := find(c.Request.Context(), f)
		if err != nil {
			WriteError(c, err)
			return
		}
		tags := make([]string, 0, len(page.Items)+1)
		tags = append(tags, "article")
		items := make([][]byte, len(page.Items))
		for i, it := range page.Items {
			tags = append(tags, itemTag("article", it.Slug))
			items[i] = it.JSON
		}
		dependsOn(c, tags...)
		writeRawList(c, items, f.Limit, page.NextCursor)
		return
	}
	page, err := h.store.FindArticles(c.Request.Context(), f)
	if err != nil {
		WriteError(c, err)
		return
	}
	dependsOnItems(c, "article", page.Items, articleSlug)
	data := make([]Article, len(page.Items))
	for i := range page.Items {
		data[i] = articleJSON(&page.Items[i], false, f.Visibility.Editor)
	}
	writeList(c, data, f.Limit, page.NextCursor)
}

// ArticleItem is the item envelope of an article, for the docs.
type ArticleItem struct {
	Data Article `json:"data"`
}

// getArticle godoc
//
//	@Summary		Get one article
//	@ID				getArticle
//	@Description	One published article with its body as sanitised HTML and as plain text. An old slug answers 301 to the current one.
//	@Tags			articles
//	@Produce		json
//	@Param			slug	path		string	true	"article slug"	example(cumbria-week-of-action-online-child-sexual-abuse)
//	@Success		200		{object}	ArticleItem
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Header			200		{string}	Last-Modified	"when the item last changed, as an HTTP date; send it in If-Modified-Since to revalidate"
//	@Success		301		"the article's slug changed; Location has the new URL"
//	@Header			301		{string}	Location	"the article's current URL"
//	@Failure		400		{object}	Problem	"invalid parameter"
//	@Failure		401		{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		404		{object}	Problem	"no such article"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/articles/{slug} [get]
func (h *Handler) getArticle(c *gin.Context) {
	if _, err := parseQuery(c.Request.URL); err != nil {
		WriteError(c, err)
		return
	}
	if h.articles().getEditor(c) {
		return
	}
	a, err := h.store.ArticleJSON(c.Request.Context(), c.Param("slug"))
	if err != nil {
		WriteError(c, err)
		return
	}
	setVersion(c, a.Version)
	setLastModified(c, a.ChangedAt)
	dependsOn(c, itemTag("article", c.Param("slug")))
	writeRawItem(c, a.JSON)
}
