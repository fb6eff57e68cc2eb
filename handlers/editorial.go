package handlers

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

func (h *Handler) articles() resource[ArticleInput, models.Article] {
	return resource[ArticleInput, models.Article]{
		itemType: "article", base: "/api/v1/articles",
		find: func(ctx context.Context, slug string) (*models.Article, error) {
			return h.store.FindArticle(ctx, slug, models.Visibility{Editor: true})
		},
		create: h.store.CreateArticle, replace: h.store.ReplaceArticle, remove: h.store.DeleteArticle,
		model: (*ArticleInput).model, input: articleInput,
		view:    func(a *models.Article) any { return articleJSON(a, true, true) },
		version: func(a *models.Article) int64 { return a.Version },
		slug:    func(a *models.Article) string { return a.Slug },
		publicView: func(ctx context.Context, slug string) (any, int64, error) {
			a, err := h.store.FindArticle(ctx, slug, models.Visibility{})
			if err != nil {
				return nil, 0, err
			}
			return articleJSON(a, true, false), a.Version, nil
		},
		requireIfMatch: h.opts.RequireIfMatch,
	}
}

func (h *Handler) helplines() resource[HelplineInput, models.Helpline] {
	return resource[HelplineInput, models.Helpline]{
		itemType: "helpline", base: "/api/v1/helplines",
		find: func(ctx context.Context, slug string) (*models.Helpline, error) {
			return h.store.FindHelpline(ctx, slug, time.Time{}, models.Visibility{Editor: true})
		},
		create: h.store.CreateHelpline, replace: h.store.ReplaceHelpline, remove: h.store.DeleteHelpline,
		model: (*HelplineInput).model, input: helplineInput,
		view:    func(hl *models.Helpline) any { return helplineEditorJSON(hl) },
		version: func(hl *models.Helpline) int64 { return hl.Version },
		slug:    func(hl *models.Helpline) string { return hl.Slug },
		publicView: func(ctx context.Context, slug string) (any, int64, error) {
			hl, err := h.store.FindHelpline(ctx, slug, time.Time{}, models.Visibility{})
			if err != nil {
				return nil, 0, err
			}
			return helplineJSON(hl), hl.Version, nil
		},
		requireIfMatch: h.opts.RequireIfMatch,
	}
}

func (h *Handler) campaigns() resource[CampaignInput, models.Campaign] {
	return resource[CampaignInput, models.Campaign]{
		itemType: "campaign", base: "/api/v1/campaigns",
		find: func(ctx context.Context, slug string) (*models.Campaign, error) {
			return h.store.FindCampaign(ctx, slug, models.Visibility{Editor: true})
		},
		create: h.store.CreateCampaign, replace: h.store.ReplaceCampaign, remove: h.store.DeleteCampaign,
		model: (*CampaignInput).model, input: campaignInput,
		view:    func(c *models.Campaign) any { return campaignJSON(c, h.store.Now()) },
		version: func(c *models.Campaign) int64 { return c.Version },
		slug:    func(c *models.Campaign) string { return c.Slug },
		publicView: func(ctx context.Context, slug string) (any, int64, error) {
			c, err := h.store.FindCampaign(ctx, slug, models.Visibility{})
			if err != nil {
				return nil, 0, err
			}
			return campaignJSON(c, h.store.Now()), c.Version, nil
		},
		requireIfMatch: h.opts.RequireIfMatch,
	}
}

func (h *Handler) organisations() resource[OrganisationInput, models.Organisation] {
	return resource[OrganisationInput, models.Organisation]{
		itemType: "organisation", base: "/api/v1/organisations",
		find:   h.store.FindOrganisation,
		create: h.store.CreateOrganisation, replace: h.store.ReplaceOrganisation, remove: h.store.DeleteOrganisation,
		model: (*OrganisationInput).model, input: organisationInput,
		view:    func(o *models.Organisation) any { return organisationJSON(o) },
		version: func(o *models.Organisation) int64 { return o.Version },
		slug:    func(o *models.Organisation) string { return o.Slug },
		publicView: func(ctx context.Context, slug string) (any, int64, error) {
			o, err := h.store.FindOrganisation(ctx, slug)
			if err != nil {
				return nil, 0, err
			}
			return organisationJSON(o), o.Version, nil
		},
		requireIfMatch: h.opts.RequireIfMatch,
	}
}

// createArticle godoc
//
//	@Summary		Create an article
//	@ID				createArticle
//	@Description	Creates an article from Markdown; the body is rendered and sanitised at once. The slug is made from the title when not given (a clash then gets -2, -3, …); a given slug that is taken is a 409. status scheduled needs a future publish_at: the article goes live at that time by itself.
//	@Tags			editorial
//	@Accept			json
//	@Produce		json
//	@Security		ApiKey
//	@Param			article	body		ArticleInput	true	"the article"
//	@Success		201		{object}	ArticleItem
//	@Header			201		{string}	Location	"the new article's URL"
//	@Header			201		{string}	ETag		"the version's entity tag, for If-Match"
//	@Failure		400		{object}	Problem		"malformed JSON"
//	@Failure		401		{object}	Problem		"missing or bad API key"
//	@Failure		403		{object}	Problem		"the key lacks the editor scope"
//	@Failure		409		{object}	Problem		"the slug is taken"
//	@Failure		413		{object}	Problem		"body over the size limit"
//	@Failure		415		{object}	Problem		"body is not JSON"
//	@Failure		422		{object}	Problem		"invalid fields, all listed"
//	@Failure		500		{object}	Problem		"internal error"
//	@Failure		503		{object}	Problem		"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header		503		{integer}	Retry-After		"seconds to wait before trying again"
//	@Failure		507		{object}	Problem		"the database is full; nothing was saved"
//	@Router			/api/v1/articles [post]
func (h *Handler) createArticle(c *gin.Context) { h.articles().handleCreate(c) }

// replaceArticle godoc
//
//	@Summary		Replace an article
//	@ID				replaceArticle
//	@Description	Replaces every writable field. Send the ETag you read in If-Match: if the article changed since, the answer is 412 and nothing changes. A new slug keeps the old one answering 301.
//	@Tags			editorial
//	@Accept			json
//	@Produce		json
//	@Security		ApiKey
//	@Param			slug		path		string			true	"article slug"	example(cumbria-week-of-action-online-child-sexual-abuse)
//	@Param			If-Match	header		string			false	"ETag of the version you read"
//	@Param			article		body		ArticleInput	true	"the article"
//	@Success		200			{object}	ArticleItem
//	@Header			200			{string}	ETag	"the new version's entity tag"
//	@Failure		400			{object}	Problem	"malformed JSON"
//	@Failure		401			{object}	Problem	"missing or bad API key"
//	@Failure		403			{object}	Problem	"the key lacks the editor scope"
//	@Failure		404			{object}	Problem	"no such article"
//	@Failure		409			{object}	Problem	"the slug is taken"
//	@Failure		412			{object}	Problem	"the article changed since you read it"
//	@Failure		428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure		413			{object}	Problem	"body over the size limit"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"invalid fields, all listed"
//	@Failure		500			{object}	Problem	"internal error"
//	@Failure		503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header		503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure		507			{object}	Problem	"the database is full; nothing was saved"
//	@Router			/api/v1/articles/{slug} [put]
func (h *Handler) replaceArticle(c *gin.Context) { h.articles().handlePut(c) }

// patchArticle godoc
//
//	@Summary		Update part of an article
//	@ID				patchArticle
//	@Description	Applies a JSON merge patch (RFC 7396) to the article as written by editors (the shape of ArticleInput); null removes a field.
//	@Tags			editorial
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json
//	@Security		ApiKey
//	@Param			slug		path		string			true	"article slug"	example(cumbria-week-of-action-online-child-sexual-abuse)
//	@Param			If-Match	header		string			false	"ETag of the version you read"
//	@Param			patch		body		ArticleInput	true	"the fields to change"
//	@Success		200			{object}	ArticleItem
//	@Header			200			{string}	ETag	"the new version's entity tag"
//	@Failure		400			{object}	Problem	"malformed JSON"
//	@Failure		401			{object}	Problem	"missing or bad API key"
//	@Failure		403			{object}	Problem	"the key lacks the editor scope"
//	@Failure		404			{object}	Problem	"no such article"
//	@Failure		409			{object}	Problem	"the slug is taken"
//	@Failure		412			{object}	Problem	"the article changed since you read it"
//	@Failure		428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure		413			{object}	Problem	"body over the size limit"
//	@Failure		415			{object}	Problem	"body is not JSON"
//	@Failure		422			{object}	Problem	"invalid fields, all listed"
//	@Failure		500			{object}	Problem	"internal error"
//	@Failure		503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header		503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure		507			{object}	Problem	"the database is full; nothing was saved"
//	@Router			/api/v1/articles/{slug} [patch]
func (h *Handler) patchArticle(c *gin.Context) { h.articles().handlePatch(c) }

// deleteArticle godoc
//
//	@Summary		Delete an article
//	@ID				deleteArticle
//	@Description	Removes the article from every public read. Its record stays for the audit log and as a tombstone in the changes feed.
//	@Tags			editorial
//	@Produce		json
//	@Security		ApiKey
//	@Param			slug		path	string	true	"article slug"	example(cumbria-week-of-action-online-child-sexual-abuse)
//	@Param			If-Match	header	string	false	"ETag of the version you read"
//	@Success		204			"deleted"
//	@Failure		401			{object}	Problem	"missing or bad API key"
//	@Failure		403			{object}	Problem	"the key lacks the editor scope"
//	@Failure		404			{object}	Problem	"no such article"
//	@Failure		412			{object}	Problem	"the article changed since you read it"
//	@Failure		428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure		500			{object}	Problem	"internal error"
//	@Failure		503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header		503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure		507			{object}	Problem	"the database is full; nothing was saved"
//	@Router			/api/v1/articles/{slug} [delete]
func (h *Handler) deleteArticle(c *gin.Context) { h.articles().handleDelete(c) }

// createHelpline godoc
//
//	@Summary		Create a helpline
//	@ID				createHelpline
//	@Description	Phone numbers are checked with libphonenumber and stored in E.164 with a display form and a tel: URI; 101, 999, 112, 18000 and 18001 relay numbers are accepted as UK short codes. A contact's display must denote the number it dials; premium-rate numbers are refused; a number not free to call needs a cost. Opening hours are checked: time zone, overlapping intervals, exceptions.
//	@Tags			editorial
//	@Accept			json
//	@Produce		json
//	@Security		ApiKey
//	@Param			helpline	body		HelplineInput	true	"the helpline"
//	@Success		201			{object}	HelplineItem
//	@Header			201			{string}	Location	"the new helpline's URL"
//	@Header			201			{string}	ETag		"the version's entity tag, for If-Match"
//	@Failure		400			{object}	Problem		"malformed JSON"
//	@Failure		401			{object}	Problem		"missing or bad API key"
//	@Failure		403			{object}	Problem		"the key lacks the editor scope"
//	@Failure		409			{object}	Problem		"the slug is taken"
//	@Failure		413			{object}	Problem		"body over the size limit"
//	@Failure		415			{object}	Problem		"body is not JSON"
//	@Failure		422			{object}	Problem		"invalid fields, all listed"
//	@Failure		500			{object}	Problem		"internal error"
//	@Failure		503			{object}	Problem		"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header		503			{integer}	Retry-After		"seconds to wait before trying again"
//	@Failure		507			{object}	Problem		"the database is full; nothing was saved"
//	@Router			/api/v1/helplines [post]
func (h *Handler) createHelpline(c *gin.Context) { h.helplines().handleCreate(c) }

// replaceHelpline godoc
//
//	@Summary	Replace a helpline
//	@ID			replaceHelpline
//	@Description	Replaces every writable field, checked as on create. Send the ETag you read in If-Match: if the helpline changed since, the answer is 412 and nothing changes. A new slug keeps the old one answering 301.
//	@Tags		editorial
//	@Accept		json
//	@Produce	json
//	@Security	ApiKey
//	@Param		slug		path		string			true	"helpline slug"	example(stop-it-now)
//	@Param		If-Match	header		string			false	"ETag of the version you read"
//	@Param		helpline	body		HelplineInput	true	"the helpline"
//	@Success	200			{object}	HelplineItem
//	@Header		200			{string}	ETag	"the new version's entity tag"
//	@Failure	400			{object}	Problem	"malformed JSON"
//	@Failure	401			{object}	Problem	"missing or bad API key"
//	@Failure	403			{object}	Problem	"the key lacks the editor scope"
//	@Failure	404			{object}	Problem	"no such helpline"
//	@Failure	405			{object}	Problem	"the slug is essentials or due, paths that answer reads alone"
//	@Failure	409			{object}	Problem	"the slug is taken"
//	@Failure	412			{object}	Problem	"the helpline changed since you read it"
//	@Failure	428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure	413			{object}	Problem	"body over the size limit"
//	@Failure	415			{object}	Problem	"body is not JSON"
//	@Failure	422			{object}	Problem	"invalid fields, all listed"
//	@Failure	500			{object}	Problem	"internal error"
//	@Failure	503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure	507			{object}	Problem	"the database is full; nothing was saved"
//	@Router		/api/v1/helplines/{slug} [put]
func (h *Handler) replaceHelpline(c *gin.Context) { h.helplines().handlePut(c) }

// patchHelpline godoc
//
//	@Summary	Update part of a helpline
//	@ID			patchHelpline
//	@Description	Applies a JSON merge patch (RFC 7396) to the helpline as written by editors (the shape of HelplineInput); null removes a field.
//	@Tags		editorial
//	@Accept		json
//	@Accept		application/merge-patch+json
//	@Produce	json
//	@Security	ApiKey
//	@Param		slug		path		string			true	"helpline slug"	example(stop-it-now)
//	@Param		If-Match	header		string			false	"ETag of the version you read"
//	@Param		patch		body		HelplineInput	true	"the fields to change (JSON merge patch)"
//	@Success	200			{object}	HelplineItem
//	@Header		200			{string}	ETag	"the new version's entity tag"
//	@Failure	400			{object}	Problem	"malformed JSON"
//	@Failure	401			{object}	Problem	"missing or bad API key"
//	@Failure	403			{object}	Problem	"the key lacks the editor scope"
//	@Failure	404			{object}	Problem	"no such helpline"
//	@Failure	405			{object}	Problem	"the slug is essentials or due, paths that answer reads alone"
//	@Failure	409			{object}	Problem	"the slug is taken"
//	@Failure	412			{object}	Problem	"the helpline changed since you read it"
//	@Failure	428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure	413			{object}	Problem	"body over the size limit"
//	@Failure	415			{object}	Problem	"body is not JSON"
//	@Failure	422			{object}	Problem	"invalid fields, all listed"
//	@Failure	500			{object}	Problem	"internal error"
//	@Failure	503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure	507			{object}	Problem	"the database is full; nothing was saved"
//	@Router		/api/v1/helplines/{slug} [patch]
func (h *Handler) patchHelpline(c *gin.Context) { h.helplines().handlePatch(c) }

// deleteHelpline godoc
//
//	@Summary	Delete a helpline
//	@ID			deleteHelpline
//	@Description	Removes the helpline from every public read. Its record stays for the audit log and as a tombstone in the changes feed.
//	@Tags		editorial
//	@Produce	json
//	@Security	ApiKey
//	@Param		slug		path	string	true	"helpline slug"	example(stop-it-now)
//	@Param		If-Match	header	string	false	"ETag of the version you read"
//	@Success	204			"deleted"
//	@Failure	401			{object}	Problem	"missing or bad API key"
//	@Failure	403			{object}	Problem	"the key lacks the editor scope"
//	@Failure	404			{object}	Problem	"no such helpline"
//	@Failure	405			{object}	Problem	"the slug is essentials or due, paths that answer reads alone"
//	@Failure	412			{object}	Problem	"the helpline changed since you read it"
//	@Failure	428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure	500			{object}	Problem	"internal error"
//	@Failure	503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure	507			{object}	Problem	"the database is full; nothing was saved"
//	@Router		/api/v1/helplines/{slug} [delete]
func (h *Handler) deleteHelpline(c *gin.Context) { h.helplines().handleDelete(c) }

// createCampaign godoc
//
//	@Summary	Create a campaign
//	@ID			createCampaign
//	@Description	Creates a campaign. The slug is made from the name when not given; a given slug that is taken is a 409. publication scheduled needs a future publish_at.
//	@Tags		editorial
//	@Accept		json
//	@Produce	json
//	@Security	ApiKey
//	@Param		campaign	body		CampaignInput	true	"the campaign"
//	@Success	201			{object}	CampaignItem
//	@Header		201			{string}	Location	"the new campaign's URL"
//	@Header		201			{string}	ETag		"the version's entity tag, for If-Match"
//	@Failure	400			{object}	Problem		"malformed JSON"
//	@Failure	401			{object}	Problem		"missing or bad API key"
//	@Failure	403			{object}	Problem		"the key lacks the editor scope"
//	@Failure	409			{object}	Problem		"the slug is taken"
//	@Failure	413			{object}	Problem		"body over the size limit"
//	@Failure	415			{object}	Problem		"body is not JSON"
//	@Failure	422			{object}	Problem		"invalid fields, all listed"
//	@Failure	500			{object}	Problem		"internal error"
//	@Failure	503			{object}	Problem		"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503			{integer}	Retry-After		"seconds to wait before trying again"
//	@Failure	507			{object}	Problem		"the database is full; nothing was saved"
//	@Router		/api/v1/campaigns [post]
func (h *Handler) createCampaign(c *gin.Context) { h.campaigns().handleCreate(c) }

// replaceCampaign godoc
//
//	@Summary	Replace a campaign
//	@ID			replaceCampaign
//	@Description	Replaces every writable field. Send the ETag you read in If-Match: if the campaign changed since, the answer is 412 and nothing changes. A new slug keeps the old one answering 301.
//	@Tags		editorial
//	@Accept		json
//	@Produce	json
//	@Security	ApiKey
//	@Param		slug		path		string			true	"campaign slug"	example(stop-it-now-deterrence)
//	@Param		If-Match	header		string			false	"ETag of the version you read"
//	@Param		campaign	body		CampaignInput	true	"the campaign"
//	@Success	200			{object}	CampaignItem
//	@Header		200			{string}	ETag	"the new version's entity tag"
//	@Failure	400			{object}	Problem	"malformed JSON"
//	@Failure	401			{object}	Problem	"missing or bad API key"
//	@Failure	403			{object}	Problem	"the key lacks the editor scope"
//	@Failure	404			{object}	Problem	"no such campaign"
//	@Failure	409			{object}	Problem	"the slug is taken"
//	@Failure	412			{object}	Problem	"the campaign changed since you read it"
//	@Failure	428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure	413			{object}	Problem	"body over the size limit"
//	@Failure	415			{object}	Problem	"body is not JSON"
//	@Failure	422			{object}	Problem	"invalid fields, all listed"
//	@Failure	500			{object}	Problem	"internal error"
//	@Failure	503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure	507			{object}	Problem	"the database is full; nothing was saved"
//	@Router		/api/v1/campaigns/{slug} [put]
func (h *Handler) replaceCampaign(c *gin.Context) { h.campaigns().handlePut(c) }

// patchCampaign godoc
//
//	@Summary	Update part of a campaign
//	@ID			patchCampaign
//	@Description	Applies a JSON merge patch (RFC 7396) to the campaign as written by editors (the shape of CampaignInput); null removes a field.
//	@Tags		editorial
//	@Accept		json
//	@Accept		application/merge-patch+json
//	@Produce	json
//	@Security	ApiKey
//	@Param		slug		path		string			true	"campaign slug"	example(stop-it-now-deterrence)
//	@Param		If-Match	header		string			false	"ETag of the version you read"
//	@Param		patch		body		CampaignInput	true	"the fields to change (JSON merge patch)"
//	@Success	200			{object}	CampaignItem
//	@Header		200			{string}	ETag	"the new version's entity tag"
//	@Failure	400			{object}	Problem	"malformed JSON"
//	@Failure	401			{object}	Problem	"missing or bad API key"
//	@Failure	403			{object}	Problem	"the key lacks the editor scope"
//	@Failure	404			{object}	Problem	"no such campaign"
//	@Failure	409			{object}	Problem	"the slug is taken"
//	@Failure	412			{object}	Problem	"the campaign changed since you read it"
//	@Failure	428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure	413			{object}	Problem	"body over the size limit"
//	@Failure	415			{object}	Problem	"body is not JSON"
//	@Failure	422			{object}	Problem	"invalid fields, all listed"
//	@Failure	500			{object}	Problem	"internal error"
//	@Failure	503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure	507			{object}	Problem	"the database is full; nothing was saved"
//	@Router		/api/v1/campaigns/{slug} [patch]
func (h *Handler) patchCampaign(c *gin.Context) { h.campaigns().handlePatch(c) }

// deleteCampaign godoc
//
//	@Summary	Delete a campaign
//	@ID			deleteCampaign
//	@Description	Removes the campaign from every public read. Its record stays for the audit log and as a tombstone in the changes feed.
//	@Tags		editorial
//	@Produce	json
//	@Security	ApiKey
//	@Param		slug		path	string	true	"campaign slug"	example(stop-it-now-deterrence)
//	@Param		If-Match	header	string	false	"ETag of the version you read"
//	@Success	204			"deleted"
//	@Failure	401			{object}	Problem	"missing or bad API key"
//	@Failure	403			{object}	Problem	"the key lacks the editor scope"
//	@Failure	404			{object}	Problem	"no such campaign"
//	@Failure	412			{object}	Problem	"the campaign changed since you read it"
//	@Failure	428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure	500			{object}	Problem	"internal error"
//	@Failure	503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure	507			{object}	Problem	"the database is full; nothing was saved"
//	@Router		/api/v1/campaigns/{slug} [delete]
func (h *Handler) deleteCampaign(c *gin.Context) { h.campaigns().handleDelete(c) }

// createOrganisation godoc
//
//	@Summary	Create an organisation
//	@ID			createOrganisation
//	@Description	Creates an organisation. The slug is made from the name when not given; a given slug that is taken is a 409.
//	@Tags		editorial
//	@Accept		json
//	@Produce	json
//	@Security	ApiKey
//	@Param		organisation	body		OrganisationInput	true	"the organisation"
//	@Success	201				{object}	OrganisationItem
//	@Header		201				{string}	Location	"the new organisation's URL"
//	@Header		201				{string}	ETag		"the version's entity tag, for If-Match"
//	@Failure	400				{object}	Problem		"malformed JSON"
//	@Failure	401				{object}	Problem		"missing or bad API key"
//	@Failure	403				{object}	Problem		"the key lacks the editor scope"
//	@Failure	409				{object}	Problem		"the slug is taken"
//	@Failure	413				{object}	Problem		"body over the size limit"
//	@Failure	415				{object}	Problem		"body is not JSON"
//	@Failure	422				{object}	Problem		"invalid fields, all listed"
//	@Failure	500				{object}	Problem		"internal error"
//	@Failure	503				{object}	Problem		"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503				{integer}	Retry-After		"seconds to wait before trying again"
//	@Failure	507				{object}	Problem		"the database is full; nothing was saved"
//	@Router		/api/v1/organisations [post]
func (h *Handler) createOrganisation(c *gin.Context) { h.organisations().handleCreate(c) }

// replaceOrganisation godoc
//
//	@Summary	Replace an organisation
//	@ID			replaceOrganisation
//	@Description	Replaces every writable field. Send the ETag you read in If-Match: if the organisation changed since, the answer is 412 and nothing changes. A new slug keeps the old one answering 301.
//	@Tags		editorial
//	@Accept		json
//	@Produce	json
//	@Security	ApiKey
//	@Param		slug			path		string				true	"organisation slug"	example(lucy-faithfull-foundation)
//	@Param		If-Match		header		string				false	"ETag of the version you read"
//	@Param		organisation	body		OrganisationInput	true	"the organisation"
//	@Success	200				{object}	OrganisationItem
//	@Header		200				{string}	ETag	"the new version's entity tag"
//	@Failure	400				{object}	Problem	"malformed JSON"
//	@Failure	401				{object}	Problem	"missing or bad API key"
//	@Failure	403				{object}	Problem	"the key lacks the editor scope"
//	@Failure	404				{object}	Problem	"no such organisation"
//	@Failure	409				{object}	Problem	"the slug is taken"
//	@Failure	412				{object}	Problem	"the organisation changed since you read it"
//	@Failure	428				{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure	413				{object}	Problem	"body over the size limit"
//	@Failure	415				{object}	Problem	"body is not JSON"
//	@Failure	422				{object}	Problem	"invalid fields, all listed"
//	@Failure	500				{object}	Problem	"internal error"
//	@Failure	503				{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503				{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure	507				{object}	Problem	"the database is full; nothing was saved"
//	@Router		/api/v1/organisations/{slug} [put]
func (h *Handler) replaceOrganisation(c *gin.Context) { h.organisations().handlePut(c) }

// patchOrganisation godoc
//
//	@Summary	Update part of an organisation
//	@ID			patchOrganisation
//	@Description	Applies a JSON merge patch (RFC 7396) to the organisation as written by editors (the shape of OrganisationInput); null removes a field.
//	@Tags		editorial
//	@Accept		json
//	@Accept		application/merge-patch+json
//	@Produce	json
//	@Security	ApiKey
//	@Param		slug			path		string				true	"organisation slug"	example(lucy-faithfull-foundation)
//	@Param		If-Match		header		string				false	"ETag of the version you read"
//	@Param		patch			body		OrganisationInput	true	"the fields to change (JSON merge patch)"
//	@Success	200				{object}	OrganisationItem
//	@Header		200				{string}	ETag	"the new version's entity tag"
//	@Failure	400				{object}	Problem	"malformed JSON"
//	@Failure	401				{object}	Problem	"missing or bad API key"
//	@Failure	403				{object}	Problem	"the key lacks the editor scope"
//	@Failure	404				{object}	Problem	"no such organisation"
//	@Failure	409				{object}	Problem	"the slug is taken"
//	@Failure	412				{object}	Problem	"the organisation changed since you read it"
//	@Failure	428				{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure	413				{object}	Problem	"body over the size limit"
//	@Failure	415				{object}	Problem	"body is not JSON"
//	@Failure	422				{object}	Problem	"invalid fields, all listed"
//	@Failure	500				{object}	Problem	"internal error"
//	@Failure	503				{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503				{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure	507				{object}	Problem	"the database is full; nothing was saved"
//	@Router		/api/v1/organisations/{slug} [patch]
func (h *Handler) patchOrganisation(c *gin.Context) { h.organisations().handlePatch(c) }

// deleteOrganisation godoc
//
//	@Summary	Delete an organisation
//	@ID			deleteOrganisation
//	@Description	Removes the organisation from every public read. Its record stays for the audit log and as a tombstone in the changes feed.
//	@Tags		editorial
//	@Produce	json
//	@Security	ApiKey
//	@Param		slug		path	string	true	"organisation slug"	example(lucy-faithfull-foundation)
//	@Param		If-Match	header	string	false	"ETag of the version you read"
//	@Success	204			"deleted"
//	@Failure	401			{object}	Problem	"missing or bad API key"
//	@Failure	403			{object}	Problem	"the key lacks the editor scope"
//	@Failure	404			{object}	Problem	"no such organisation"
//	@Failure	412			{object}	Problem	"the organisation changed since you read it"
//	@Failure	428			{object}	Problem	"-require-if-match is set and the request has no If-Match"
//	@Failure	500			{object}	Problem	"internal error"
//	@Failure	503			{object}	Problem	"the database cannot take writes just now (read-only, locked by another process, or failing); nothing was saved"
//	@Header	503			{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure	507			{object}	Problem	"the database is full; nothing was saved"
//	@Router		/api/v1/organisations/{slug} [delete]
func (h *Handler) deleteOrganisation(c *gin.Context) { h.organisations().handleDelete(c) }

// AuditEntry is one recorded write, with the item's state before and after: before is
// null for a create, after is null for a delete.
type AuditEntry struct {
	ID       int64     `json:"id" example:"42"`
	At       time.Time `json:"at" format:"date-time" example:"2027-01-31T09:00:00Z"`
	KeyName  string    `json:"key_name" example:"comms-team"`
	Action   string    `json:"action" enums:"create,update,delete" example:"update"`
	ItemType string    `json:"item_type" enums:"article,helpline,campaign,organisation" example:"article"`
	Slug     string    `json:"slug" example:"week-of-action"`
	Before   any       `json:"before" swaggertype:"object" extensions:"x-nullable"`
	After    any       `json:"after" swaggertype:"object" extensions:"x-nullable"`
}

// AuditList is a page of the audit log.
type AuditList struct {
	Data  []AuditEntry `json:"data"`
	Meta  ListMeta     `json:"meta"`
	Links ListLinks    `json:"links"`
}

// listAudit godoc
//
//	@Summary		The audit log
//	@ID				listAudit
//	@Description	Every write, newest first: who (the key's name), what, when, and the item before and after.
//	@Tags			editorial
//	@Produce		json
//	@Security		ApiKey
//	@Param			item_type	query		string	false	"content type"	Enums(article, helpline, campaign, organisation)
//	@Param			slug		query		string	false	"item slug"
//	@Param			limit		query		int		false	"page size, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Param			cursor		query		string	false	"next_cursor from the previous page"
//	@Success		200			{object}	AuditList
//	@Header			200			{string}	Link	"<URL of the next page>; rel=next"
//	@Failure		400			{object}	Problem	"invalid parameter"
//	@Failure		401			{object}	Problem	"missing or bad API key"
//	@Failure		403			{object}	Problem	"the key is not an admin key"
//	@Failure		500			{object}	Problem	"internal error"
//	@Router			/api/v1/audit [get]
func (h *Handler) listAudit(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, "item_type", "slug", "limit", "cursor")
	if err != nil {
		WriteError(c, err)
		return
	}
	var f models.AuditFilter
	var errs [4]error
	f.ItemType, errs[0] = q.oneOf("item_type", models.ItemTypes...)
	f.Slug, errs[1] = q.slug("slug")
	f.Limit, errs[2] = q.limit()
	f.Cursor, errs[3] = q.str("cursor")
	if err := firstErr(errs[:]...); err != nil {
		WriteError(c, err)
		return
	}
	page, err := h.store.Audit(c.Request.Context(), f)
	if err != nil {
		WriteError(c, err)
		return
	}
	data := make([]AuditEntry, len(page.Items))
	for i, e := range page.Items {
		data[i] = AuditEntry{ID: e.ID, At: e.At, KeyName: e.KeyName, Action: e.Action, ItemType: e.ItemType, Slug: e.Slug,
			Before: rawJSON(e.Before), After: rawJSON(e.After)}
	}
	writeList(c, data, f.Limit, page.NextCursor)
}

func rawJSON(s *string) any {
	if s == nil {
		return nil
	}
	return jsonRaw(*s)
}
