package models

import "time"

// Events of the changes feed. Each describes what the public can now see of an item.
const (
	ChangeCreate    = "create"    // a new item, public at once
	ChangeUpdate    = "update"    // a public item changed
	ChangePublish   = "publish"   // an existing item became public (including a scheduled one going live)
	ChangeUnpublish = "unpublish" // a public item went back to draft or to a future schedule: tombstone
	ChangeArchive   = "archive"   // a public item was archived: tombstone
	ChangeDelete    = "delete"    // a public item was deleted: tombstone
	ChangeMove      = "move"      // a public item's old slug: tombstone (its new slug follows as an update)
)

// Change is one event of the changes feed.
type Change struct {
	ID        int64
	At        time.Time
	ItemType  string
	Slug      string
	Action    string
	Tombstone bool
}

// PublicAt reports whether content with this state is visible to the public at now.
func PublicAt(status string, publishedAt *time.Time, now time.Time) bool {
	return (status == StatusPublished || status == StatusScheduled) && publishedAt != nil && !publishedAt.After(now)
}

// ChangeFilter selects a page of the changes feed.
type ChangeFilter struct {
	// Cursor continues after the change it names ("" for the start).
	Cursor string
	// After, when not nil and Cursor is "", continues after the change with this
	// number (its seq; 0 for the start).
	After *int64
	// Since starts at the first change at or after this time, when Cursor is "" and
	// After is nil.
	Since *time.Time
	Limit int
}

// ChangePage is a page of the feed. Resume is the cursor to continue from, even
// when the page is the last one, so that an app can store it and ask again later.
type ChangePage struct {
	Items  []Change
	Next   string // "" when there is nothing more now
	Resume string
}
