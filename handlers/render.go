package handlers

import (
	"encoding/json"
	"fmt"
	"time"

	"signpost/models"
)

// Renderer writes items in the API's shapes for the store, which calls it inside
// write transactions: for the audit log's before and after, and for each article's
// ready-made public JSON. It is stateless.
type Renderer struct{}

// Editor renders an item as an editor reads it at now (GET of the item with an
// editor key).
func (Renderer) Editor(item any, now time.Time) ([]byte, error) {
	switch v := item.(type) {
	case *models.Article:
		return json.Marshal(articleJSON(v, true, true))
	case *models.Helpline:
		return json.Marshal(helplineEditorJSON(v))
	case *models.Campaign:
		return json.Marshal(campaignJSON(v, now))
	case *models.Organisation:
		return json.Marshal(organisationJSON(v))
	}
	return nil, fmt.Errorf("handlers: no API shape for %T", item)
}

// Public renders an item as the public reads it: as an item of a list (full false)
// or on its own page (full true), the bytes that the list's data array and the
// item's data hold.
func (Renderer) Public(item any, full bool, now time.Time) ([]byte, error) {
	switch v := item.(type) {
	case *models.Article:
		return json.Marshal(articleJSON(v, full, false))
	}
	return nil, fmt.Errorf("handlers: no public ready-made shape for %T", item)
}
