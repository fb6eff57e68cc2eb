package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/gin-gonic/gin"

	"signpost/models"
)

// WebhookStore keeps webhook subscriptions and their deliveries.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, w *models.Webhook) (*models.Webhook, error)
	FindWebhook(ctx context.Context, id int64) (*models.Webhook, error)
	FindWebhooks(ctx context.Context, cursor string, limit int) (models.Page[models.Webhook], error)
	UpdateWebhook(ctx context.Context, id int64, u models.WebhookUpdate) (*models.Webhook, error)
	DeleteWebhook(ctx context.Context, id int64) error
	RotateWebhookSecret(ctx context.Context, id int64, grace time.Duration) (*models.Webhook, error)
	Deliveries(ctx context.Context, f models.DeliveryFilter) (models.Page[models.Delivery], error)
	Redeliver(ctx context.Context, webhookID, deliveryID int64) (*models.Delivery, error)
	EnqueueTest(ctx context.Context, webhookID int64, body func(webhookID int64, at time.Time) ([]byte, error)) (*models.Delivery, error)
}

// WebhookFilters narrow a subscription to some item types and regions; empty lists
// mean all.
type WebhookFilters struct {
	Types   []string `json:"types" enums:"article,helpline,campaign,organisation" example:"helpline"`
	Regions []string `json:"regions" example:"cumbria"`
}

// WebhookInput is the body of a subscription's create, and the shape a merge patch
// applies to.
type WebhookInput struct {
	URL         string          `json:"url" example:"https://partner.example.org/hooks/signpost"`
	Events      []string        `json:"events" example:"helpline.updated,*.deleted"`
	Filters     *WebhookFilters `json:"filters,omitempty"`
	Description string          `json:"description" example:"Cumbria council's helpline cache"`
}

// Webhook is a subscription. secret is there only in the answer to a create or a
// secret rotation: it is not shown again.
type Webhook struct {
	ID                  int64          `json:"id" example:"1"`
	URL                 string         `json:"url" example:"https://partner.example.org/hooks/signpost"`
	Events              []string       `json:"events" example:"helpline.updated,*.deleted"`
	Filters             WebhookFilters `json:"filters"`
	Description         string         `json:"description" example:"Cumbria council's helpline cache"`
	Status              string         `json:"status" enums:"active,failing" example:"active"`
	FailureReason       *string        `json:"failure_reason" example:"answered 500 Internal Server Error" extensions:"x-nullable"`
	FailingSince        *time.Time     `json:"failing_since" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	ConsecutiveFailures int            `json:"consecutive_failures" example:"0"`
	PreviousSecretUntil *time.Time     `json:"previous_secret_until" example:"2027-02-01T09:00:00Z" extensions:"x-nullable"`
	Secret              string         `json:"secret,omitempty" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"`
	CreatedAt           time.Time      `json:"created_at" example:"2027-01-31T09:00:00Z"`
	UpdatedAt           time.Time      `json:"updated_at" example:"2027-01-31T09:00:00Z"`
}

// WebhookItem is the item envelope of a subscription.
type WebhookItem struct {
	Data Webhook `json:"data"`
}

// WebhookList is a page of subscriptions.
type WebhookList struct {
	Data  []Webhook `json:"data"`
	Meta  ListMeta  `json:"meta"`
	Links ListLinks `json:"links"`
}

// WebhookAttempt is one try at sending a message: the status code (null when no
// answer came), how long it took, what went wrong, and the first bytes of the answer.
type WebhookAttempt struct {
	At         time.Time `json:"at" example:"2027-01-31T09:00:00Z"`
	StatusCode *int      `json:"status_code" example:"500" extensions:"x-nullable"`
	DurationMs int64     `json:"duration_ms" example:"84"`
	Error      *string   `json:"error" example:"answered 500 Internal Server Error" extensions:"x-nullable"`
	Response   *string   `json:"response" example:"upstream unavailable" extensions:"x-nullable"`
}

// WebhookDelivery is one message to a subscription and what became of it.
type WebhookDelivery struct {
	ID            int64            `json:"id" example:"7"`
	MessageID     string           `json:"message_id" example:"msg_2kq4r6c3uyv6bqnqkx2m5hvdbe"`
	EventType     string           `json:"event_type" example:"helpline.updated"`
	Seq           *int64           `json:"seq" example:"42" extensions:"x-nullable"`
	State         string           `json:"state" enums:"pending,delivered,failed" example:"delivered"`
	AttemptCount  int              `json:"attempt_count" example:"1"`
	NextAttemptAt *time.Time       `json:"next_attempt_at" example:"2027-01-31T09:00:05Z" extensions:"x-nullable"`
	LastStatus    *int             `json:"last_status" example:"204" extensions:"x-nullable"`
	LastError     *string          `json:"last_error" extensions:"x-nullable"`
	CreatedAt     time.Time        `json:"created_at" example:"2027-01-31T09:00:00Z"`
	DeliveredAt   *time.Time       `json:"delivered_at" example:"2027-01-31T09:00:00Z" extensions:"x-nullable"`
	Attempts      []WebhookAttempt `json:"attempts"`
}

// WebhookDeliveryItem is the item envelope of a delivery.
type WebhookDeliveryItem struct {
	Data WebhookDelivery `json:"data"`
}

// WebhookDeliveryList is a page of a subscription's deliveries, newest first.
type WebhookDeliveryList struct {
	Data  []WebhookDelivery `json:"data"`
	Meta  ListMeta          `json:"meta"`
	Links ListLinks         `json:"links"`
}

// WebhookMessage is the body of a webhook message: its type, when the change was
// made, and the changes feed's event with the item as the public reads it (null for
// a tombstone).
type WebhookMessage struct {
	Type      string      `json:"type" example:"helpline.updated"`
	Timestamp time.Time   `json:"timestamp" example:"2027-01-31T09:00:00Z"`
	Data      WebhookData `json:"data"`
}

// WebhookData is a change with its item.
type WebhookData struct {
	Change
	Item json.RawMessage `json:"item" swaggertype:"object"`
}

// Public renders an item as the API's public GET of it shows it at now.
func Public(item any, now time.Time) ([]byte, error) {
	switch v := item.(type) {
	case *models.Article:
		return json.Marshal(articleJSON(v, true, false))
	case *models.Helpline:
		return json.Marshal(helplineJSON(v))
	case *models.Campaign:
		return json.Marshal(campaignJSON(v, now))
	case *models.Organisation:
		return json.Marshal(organisationJSON(v))
	}
	return nil, fmt.Errorf("handlers: no API shape for %T", item)
}

// WebhookEvent renders the message of a change: the store calls it inside the
// write's transaction, with the item read as the public sees it (nil for a
// tombstone).
func WebhookEvent(c models.Change, item any) ([]byte, error) {
	raw := json.RawMessage("null")
	if item != nil {
		b, err := Public(item, c.At)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	return json.Marshal(WebhookMessage{Type: models.EventType(c.ItemType, c.Action), Timestamp: c.At.UTC(),
		Data: WebhookData{Change: changeJSON(c), Item: raw}})
}

// WebhookTest renders the test message for a subscription.
func WebhookTest(webhookID int64, at time.Time) ([]byte, error) {
	return json.Marshal(map[string]any{"type": models.EventTest, "timestamp": at.UTC(),
		"data": map[string]any{"webhook": webhookID, "message": "A test message from Signpost. No content has changed."}})
}

func webhookJSON(w *models.Webhook) Webhook {
	out := Webhook{ID: w.ID, URL: w.URL, Events: w.Events, Filters: WebhookFilters{Types: w.Types, Regions: w.Regions},
		Description: w.Description, Status: w.Status, FailureReason: optional(w.FailureReason), FailingSince: w.FailingSince,
		ConsecutiveFailures: w.ConsecutiveFailures, PreviousSecretUntil: w.PreviousUntil, Secret: w.Secret,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	return out
}

func deliveryJSON(d *models.Delivery) WebhookDelivery {
	out := WebhookDelivery{ID: d.ID, MessageID: d.MsgID, EventType: d.EventType, Seq: d.ChangeID, State: d.State,
		AttemptCount: d.AttemptCount, NextAttemptAt: d.NextAttemptAt, LastStatus: d.LastStatus,
		LastError: optional(d.LastError), CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt,
		Attempts: make([]WebhookAttempt, len(d.Attempts))}
	for i, a := range d.Attempts {
		out.Attempts[i] = WebhookAttempt{At: a.At, StatusCode: a.StatusCode, DurationMs: a.Duration.Milliseconds(),
			Error: optional(a.Error), Response: optional(a.Response)}
	}
	return out
}

func (in *WebhookInput) model() *models.Webhook {
	w := &models.Webhook{URL: in.URL, Events: in.Events, Description: in.Description}
	if in.Filters != nil {
		w.Types, w.Regions = in.Filters.Types, in.Filters.Regions
	}
	return w
}

// checkTarget refuses a target URL the server's policy does not allow.
func (h *Handler) checkTarget(ctx context.Context, url string) error {
	if h.opts.CheckTarget == nil || url == "" {
		return nil
	}
	if msg := h.opts.CheckTarget(ctx, url); msg != "" {
		return &models.Error{Code: models.EINVALID, Message: "The webhook's target URL is not allowed.",
			Fields: []models.FieldError{{Field: "url", Message: msg}}}
	}
	return nil
}

func pathID(c *gin.Context, name string) (int64, error) {
	n, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, models.Errorf(models.ENOTFOUND, "No such %s: %q.", map[string]string{"id": "webhook", "delivery": "delivery"}[name], c.Param(name))
	}
	return n, nil
}

// createWebhook godoc
//
//	@Summary		Subscribe to changes
//	@ID				createWebhook
//	@Description	Makes a webhook subscription. The answer holds the signing secret, shown only this once. Targets must be https and must not resolve to loopback, private, link-local, multicast or cloud metadata addresses, unless the server allows them.
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Security		ApiKey
//	@Param			webhook	body		WebhookInput	true	"the subscription"
//	@Success		201		{object}	WebhookItem
//	@Header			201		{string}	Location	"the subscription's URL"
//	@Header			201		{string}	ETag		"entity tag"
//	@Header			201		{string}	Cache-Control	"no-store: the answer holds the secret"
//	@Failure		400		{object}	Problem		"malformed JSON"
//	@Failure		401		{object}	Problem		"missing or bad API key"
//	@Failure		403		{object}	Problem		"the key is not an admin key"
//	@Failure		413		{object}	Problem		"body over the size limit"
//	@Failure		415		{object}	Problem		"body is not JSON"
//	@Failure		422		{object}	Problem		"invalid fields, all listed, or a target that is not allowed"
//	@Failure		500		{object}	Problem		"internal error"
//	@Router			/api/v1/webhooks [post]
func (h *Handler) createWebhook(c *gin.Context) {
	var in WebhookInput
	if err := decodeBody(c, &in, false); err != nil {
		WriteError(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := h.checkTarget(ctx, in.URL); err != nil {
		WriteError(c, err)
		return
	}
	w, err := h.store.CreateWebhook(ctx, in.model())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/webhooks/%d", w.ID))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, WebhookItem{Data: webhookJSON(w)})
}

// listWebhooks godoc
//
//	@Summary		List webhook subscriptions
//	@ID				listWebhooks
//	@Description	Every subscription, oldest first, with its state. Secrets are not shown.
//	@Tags			webhooks
//	@Produce		json
//	@Security		ApiKey
//	@Param			limit	query		int		false	"page size, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	WebhookList
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Failure		400		{object}	Problem	"invalid parameter"
//	@Failure		401		{object}	Problem	"missing or bad API key"
//	@Failure		403		{object}	Problem	"the key is not an admin key"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/webhooks [get]
func (h *Handler) listWebhooks(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, "limit", "cursor")
	if err != nil {
		WriteError(c, err)
		return
	}
	limit, err1 := q.limit()
	cur, err2 := q.str("cursor")
	if err := firstErr(err1, err2); err != nil {
		WriteError(c, err)
		return
	}
	page, err := h.store.FindWebhooks(c.Request.Context(), cur, limit)
	if err != nil {
		WriteError(c, err)
		return
	}
	data := make([]Webhook, len(page.Items))
	for i := range page.Items {
		data[i] = webhookJSON(&page.Items[i])
	}
	writeList(c, data, limit, page.NextCursor)
}

// getWebhook godoc
//
//	@Summary		One webhook subscription
//	@ID				getWebhook
//	@Description	The subscription and its state: failing after a run of failed attempts, with the reason. The secret is not shown.
//	@Tags			webhooks
//	@Produce		json
//	@Security		ApiKey
//	@Param			id	path		int	true	"subscription id"	example(1)
//	@Success		200	{object}	WebhookItem
//	@Header			200	{string}	ETag	"strong entity tag"
//	@Failure		400	{object}	Problem	"invalid parameter"
//	@Failure		401	{object}	Problem	"missing or bad API key"
//	@Failure		403	{object}	Problem	"the key is not an admin key"
//	@Failure		404	{object}	Problem	"no such subscription"
//	@Failure		500	{object}	Problem	"internal error"
//	@Router			/api/v1/webhooks/{id} [get]
func (h *Handler) getWebhook(c *gin.Context) {
	id, err := pathID(c, "id")
	if err == nil {
		_, err = parseQuery(c.Request.URL)
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	w, err := h.store.FindWebhook(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	writeItem(c, webhookJSON(w))
}

// updateWebhook godoc
//
//	@Summary		Change a webhook subscription
//	@ID				patchWebhook
//	@Description	Applies a JSON merge patch (RFC 7396) to the subscription in the shape of WebhookInput. Pending messages keep going to the new URL.
//	@Tags			webhooks
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json
//	@Security		ApiKey
//	@Param			id		path		int				true	"subscription id"	example(1)
//	@Param			patch	body		WebhookInput	true	"the fields to change"
//	@Success		200		{object}	WebhookItem
//	@Header			200		{string}	ETag	"entity tag"
//	@Failure		400		{object}	Problem	"malformed JSON"
//	@Failure		401		{object}	Problem	"missing or bad API key"
//	@Failure		403		{object}	Problem	"the key is not an admin key"
//	@Failure		404		{object}	Problem	"no such subscription"
//	@Failure		413		{object}	Problem	"body over the size limit"
//	@Failure		415		{object}	Problem	"body is not JSON"
//	@Failure		422		{object}	Problem	"invalid fields, all listed, or a target that is not allowed"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/webhooks/{id} [patch]
func (h *Handler) updateWebhook(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		WriteError(c, err)
		return
	}
	body, err := readMergePatch(c)
	if err != nil {
		WriteError(c, err)
		return
	}
	ctx := c.Request.Context()
	cur, err := h.store.FindWebhook(ctx, id)
	if err != nil {
		WriteError(c, err)
		return
	}
	doc, _ := json.Marshal(WebhookInput{URL: cur.URL, Events: cur.Events, Description: cur.Description,
		Filters: &WebhookFilters{Types: cur.Types, Regions: cur.Regions}})
	merged, err := jsonpatch.MergePatch(doc, body)
	if err != nil {
		WriteError(c, models.Errorf(models.EBADREQUEST, "The merge patch could not be applied."))
		return
	}
	var in WebhookInput
	if err := decodeJSON(merged, &in); err != nil {
		WriteError(c, err)
		return
	}
	if in.URL != cur.URL {
		if err := h.checkTarget(ctx, in.URL); err != nil {
			WriteError(c, err)
			return
		}
	}
	m := in.model()
	w, err := h.store.UpdateWebhook(ctx, id, models.WebhookUpdate{URL: &m.URL, Events: &m.Events, Types: &m.Types,
		Regions: &m.Regions, Description: &m.Description})
	if err != nil {
		WriteError(c, err)
		return
	}
	writeItem(c, webhookJSON(w))
}

// deleteWebhook godoc
//
//	@Summary		Delete a webhook subscription
//	@ID				deleteWebhook
//	@Description	Stops the subscription at once; its pending messages are dropped.
//	@Tags			webhooks
//	@Security		ApiKey
//	@Param			id	path	int	true	"subscription id"	example(1)
//	@Success		204
//	@Failure		401	{object}	Problem	"missing or bad API key"
//	@Failure		403	{object}	Problem	"the key is not an admin key"
//	@Failure		404	{object}	Problem	"no such subscription"
//	@Failure		500	{object}	Problem	"internal error"
//	@Router			/api/v1/webhooks/{id} [delete]
func (h *Handler) deleteWebhook(c *gin.Context) {
	id, err := pathID(c, "id")
	if err == nil {
		err = h.store.DeleteWebhook(c.Request.Context(), id)
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// rotateWebhookSecret godoc
//
//	@Summary		Rotate a subscription's signing secret
//	@ID				rotateWebhookSecret
//	@Description	Makes a new secret, shown only in this answer. Until previous_secret_until, messages carry two signatures, one with each secret, so that the receiver can switch without losing any.
//	@Tags			webhooks
//	@Produce		json
//	@Security		ApiKey
//	@Param			id	path		int	true	"subscription id"	example(1)
//	@Success		200	{object}	WebhookItem
//	@Header			200	{string}	ETag	"entity tag"
//	@Header			200	{string}	Cache-Control	"no-store: the answer holds the secret"
//	@Failure		401	{object}	Problem	"missing or bad API key"
//	@Failure		403	{object}	Problem	"the key is not an admin key"
//	@Failure		404	{object}	Problem	"no such subscription"
//	@Failure		500	{object}	Problem	"internal error"
//	@Router			/api/v1/webhooks/{id}/secret [post]
func (h *Handler) rotateWebhookSecret(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		WriteError(c, err)
		return
	}
	w, err := h.store.RotateWebhookSecret(c.Request.Context(), id, h.opts.SecretGrace)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	writeItem(c, webhookJSON(w))
}

// testWebhook godoc
//
//	@Summary		Send a test message
//	@ID				testWebhook
//	@Description	Queues a signed message of type webhook.test for the subscription; follow it in the deliveries log.
//	@Tags			webhooks
//	@Produce		json
//	@Security		ApiKey
//	@Param			id	path		int	true	"subscription id"	example(1)
//	@Success		202	{object}	WebhookDeliveryItem
//	@Failure		401	{object}	Problem	"missing or bad API key"
//	@Failure		403	{object}	Problem	"the key is not an admin key"
//	@Failure		404	{object}	Problem	"no such subscription"
//	@Failure		500	{object}	Problem	"internal error"
//	@Router			/api/v1/webhooks/{id}/test [post]
func (h *Handler) testWebhook(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		WriteError(c, err)
		return
	}
	d, err := h.store.EnqueueTest(c.Request.Context(), id, WebhookTest)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, WebhookDeliveryItem{Data: deliveryJSON(d)})
}

// listDeliveries godoc
//
//	@Summary		A subscription's deliveries
//	@ID				listWebhookDeliveries
//	@Description	Every message to the subscription, newest first, with its latest attempts: status code, duration, error and the first bytes of the answer.
//	@Tags			webhooks
//	@Produce		json
//	@Security		ApiKey
//	@Param			id		path		int		true	"subscription id"	example(1)
//	@Param			limit	query		int		false	"page size, 1-100"	default(20)	minimum(1)	maximum(100)
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	WebhookDeliveryList
//	@Header			200		{string}	ETag	"strong entity tag"
//	@Header			200		{string}	Link	"<URL of the next page>; rel=next"
//	@Failure		400		{object}	Problem	"invalid parameter"
//	@Failure		401		{object}	Problem	"missing or bad API key"
//	@Failure		403		{object}	Problem	"the key is not an admin key"
//	@Failure		404		{object}	Problem	"no such subscription"
//	@Failure		500		{object}	Problem	"internal error"
//	@Router			/api/v1/webhooks/{id}/deliveries [get]
func (h *Handler) listDeliveries(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		WriteError(c, err)
		return
	}
	q, err := parseQuery(c.Request.URL, "limit", "cursor")
	if err != nil {
		WriteError(c, err)
		return
	}
	f := models.DeliveryFilter{WebhookID: id}
	var err1, err2 error
	f.Limit, err1 = q.limit()
	f.Cursor, err2 = q.str("cursor")
	if err := firstErr(err1, err2); err != nil {
		WriteError(c, err)
		return
	}
	page, err := h.store.Deliveries(c.Request.Context(), f)
	if err != nil {
		WriteError(c, err)
		return
	}
	data := make([]WebhookDelivery, len(page.Items))
	for i := range page.Items {
		data[i] = deliveryJSON(&page.Items[i])
	}
	writeList(c, data, f.Limit, page.NextCursor)
}

// redeliver godoc
//
//	@Summary		Send a delivery again
//	@ID				redeliverWebhookDelivery
//	@Description	Queues a delivered or failed message again, with the same webhook-id and body, on a fresh retry schedule.
//	@Tags			webhooks
//	@Produce		json
//	@Security		ApiKey
//	@Param			id			path		int	true	"subscription id"	example(1)
//	@Param			delivery	path		int	true	"delivery id"	example(1)
//	@Success		202			{object}	WebhookDeliveryItem
//	@Failure		401			{object}	Problem	"missing or bad API key"
//	@Failure		403			{object}	Problem	"the key is not an admin key"
//	@Failure		404			{object}	Problem	"no such subscription or delivery"
//	@Failure		409			{object}	Problem	"the delivery is still pending"
//	@Failure		500			{object}	Problem	"internal error"
//	@Router			/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver [post]
func (h *Handler) redeliver(c *gin.Context) {
	id, err := pathID(c, "id")
	var did int64
	if err == nil {
		did, err = pathID(c, "delivery")
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	d, err := h.store.Redeliver(c.Request.Context(), id, did)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, WebhookDeliveryItem{Data: deliveryJSON(d)})
}
