package handlers

import (
	"encoding/json"
	"fmt"
	"time"

	"signpost/models"
)

// Snapshot renders an item as an editor reads it at now (GET of the item with an
// editor key): the shape of the audit log's before and after. The store calls it
// inside each write's transaction.
func Snapshot(item any, now time.Time) ([]byte, error) {
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
