package main

// End-to-end tests of the changes feed, GET /api/v1/changes: the event each kind of
// write adds (and the writes that add none), scheduled items announced by PublishDue,
// the since parameter as a cursor or a time, resume cursors and Link headers; and a
// long random sequence of writes, with a client paging the feed in between, whose
// replay must end up with exactly what the public lists show.

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/models"
)

// feedKey names an item as the feed and the public lists do.
type feedKey struct{ Type, Slug string }

func (k feedKey) String() string { return k.Type + "/" + k.Slug }

// feedKind is a content type as the tests write it.
type feedKind struct {
	Type, Base string
	Title      string // the field holding the item's title or name
	State      string // the field holding the publication state; "" for organisations
	Body       func(name string) obj
}

var (
	articleKind      = feedKind{"article", "/api/v1/articles", "title", "status", articleBody}
	helplineKind     = feedKind{"helpline", "/api/v1/helplines", "name", "status", helplineBody}
	campaignKind     = feedKind{"campaign", "/api/v1/campaigns", "name", "publication", campaignBody}
	organisationKind = feedKind{"organisation", "/api/v1/organisations", "name", "", organisationBody}
	// publishedKinds are the types with a publication state.
	publishedKinds = []feedKind{articleKind, helplineKind, campaignKind}
	allKinds       = []feedKind{articleKind, helplineKind, campaignKind, organisationKind}
)

// tombstoneActions are the actions that remove an item from the public's view.
var tombstoneActions = map[string]bool{
	models.ChangeCreate: false, models.ChangeUpdate: false, models.ChangePublish: false,
	models.ChangeUnpublish: true, models.ChangeArchive: true, models.ChangeDelete: true, models.ChangeMove: true,
}

// wantEvent is an event as a test expects it.
type wantEvent struct {
	Type, Slug, Action string
	Tombstone          bool
}

func (e wantEvent) String() string {
	s := e.Action + " " + e.Type + "/" + e.Slug
	if e.Tombstone {
		s += " (tombstone)"
	}
	return s
}

// ev is the event the feed must show for action on an item; the tombstone flag is
// spelled out by the caller so that tests state it rather than derive it.
func ev(k feedKind, slug, action string, tombstone bool) wantEvent {
	return wantEvent{k.Type, slug, action, tombstone}
}

func gotEvents(evs []handlers.Change) []wantEvent {
	out := make([]wantEvent, len(evs))
	for i, e := range evs {
		out[i] = wantEvent{e.Type, e.Slug, e.Action, e.Tombstone}
	}
	return out
}

// mustEvents fails the test unless got are exactly want, in order.
func mustEvents(tb testing.TB, got []handlers.Change, want ...wantEvent) {
	tb.Helper()
	if g := gotEvents(got); !slices.Equal(g, want) {
		tb.Fatalf("feed events:\n got %v\nwant %v", g, want)
	}
}

// changesPath is the feed's URL for a page of limit events after since ("" for the
// start).
func changesPath(since string, limit int) string {
	q := url.Values{}
	if since != "" {
		q.Set("since", since)
	}
	if limit != 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	if len(q) == 0 {
		return "/api/v1/changes"
	}
	return "/api/v1/changes?" + q.Encode()
}

// MustReadFeed reads the feed from since ("" for the start) to its end and returns its
// events and the last page's resume_cursor ("" when it is null).
func MustReadFeed(tb testing.TB, app *testApp, since string) ([]handlers.Change, string) {
	tb.Helper()
	var all []handlers.Change
	for pages := 0; ; pages++ {
		if pages > 1000 {
			tb.Fatalf("the feed from %q did not end after 1000 pages", since)
		}
		var page handlers.ChangeList
		MustStatus(tb, app.GetJSON(tb, changesPath(since, models.MaxLimit), &page), http.StatusOK)
		all = append(all, page.Data...)
		if page.Meta.NextCursor == nil {
			resume := ""
			if page.Meta.ResumeCursor != nil {
				resume = *page.Meta.ResumeCursor
			}
			return all, resume
		}
		since = *page.Meta.NextCursor
	}
}

// MustPublicKeys walks every page of the public lists of the four types (limit=100)
// and returns the items they show.
func MustPublicKeys(tb testing.TB, app *testApp) map[feedKey]bool {
	tb.Helper()
	out := map[feedKey]bool{}
	for _, k := range allKinds {
		path := k.Base + "?limit=100"
		for pages := 0; path != ""; pages++ {
			if pages > 100 {
				tb.Fatalf("%s did not end after 100 pages", k.Base)
			}
			var p page[slugged]
			MustStatus(tb, app.GetJSON(tb, path, &p), http.StatusOK)
			for _, it := range p.Data {
				key := feedKey{k.Type, it.Slug}
				if out[key] {
					tb.Fatalf("%s shows %s twice", k.Base, key)
				}
				out[key] = true
			}
			path = ""
			if p.Links.Next != nil {
				path = *p.Links.Next
			}
		}
	}
	return out
}

// mustSameKeys fails the test unless two sets of items are equal, naming what each
// has that the other lacks.
func mustSameKeys(tb testing.TB, what string, aName string, a map[feedKey]bool, bName string, b map[feedKey]bool) {
	tb.Helper()
	var onlyA, onlyB []string
	for k := range a {
		if !b[k] {
			onlyA = append(onlyA, k.String())
		}
	}
	for k := range b {
		if !a[k] {
			onlyB = append(onlyB, k.String())
		}
	}
	if len(onlyA) > 0 || len(onlyB) > 0 {
		slices.Sort(onlyA)
		slices.Sort(onlyB)
		tb.Fatalf("%s: %s and %s differ\nonly in %s: %v\nonly in %s: %v", what, aName, bName, aName, onlyA, bName, onlyB)
	}
}

// feedClient is an app keeping a copy of the public content from the feed: it pages
// with a small limit, replays each event into a set of items (a tombstone drops the
// item, anything else sets it), and checks every page on the way.
type feedClient struct {
	app    *testApp
	limit  int
	since  string            // the last next_cursor or resume_cursor, "" at the start
	items  map[feedKey]bool  // the replay: what the public can see
	events []handlers.Change // every event received, in order
}

func newFeedClient(app *testApp, limit int) *feedClient {
	return &feedClient{app: app, limit: limit, items: map[feedKey]bool{}}
}

// Page fetches and applies the page after the client's position, and reports whether
// the feed said there is more.
func (c *feedClient) Page(tb testing.TB) bool {
	tb.Helper()
	var p handlers.ChangeList
	resp := c.app.GetJSON(tb, changesPath(c.since, c.limit), &p)
	MustStatus(tb, resp, http.StatusOK)
	if p.Meta.Limit != c.limit || len(p.Data) > c.limit {
		tb.Fatalf("page of %d events with meta.limit %d, asked for %d", len(p.Data), p.Meta.Limit, c.limit)
	}
	for _, e := range p.Data {
		c.apply(tb, e)
	}
	link := resp.Header.Get("Link")
	if p.Meta.ResumeCursor == nil {
		if len(c.events) > 0 {
			tb.Fatalf("since=%q: resume_cursor is null after %d events", c.since, len(c.events))
		}
	} else if p.Meta.NextCursor == nil {
		c.since = *p.Meta.ResumeCursor
	}
	if p.Meta.NextCursor == nil {
		if link != "" || p.Links.Next != nil {
			tb.Fatalf("last page: Link %q, links.next %v; want neither", link, p.Links.Next)
		}
		return false
	}
	if len(p.Data) != c.limit {
		tb.Fatalf("a page with a next_cursor has %d events, want a full page of %d", len(p.Data), c.limit)
	}
	if p.Links.Next == nil || link != "<"+*p.Links.Next+`>; rel="next"` {
		tb.Fatalf("page with a next_cursor: Link %q, links.next %v", link, p.Links.Next)
	}
	c.since = *p.Meta.NextCursor
	return true
}

// CatchUp pages until the feed has nothing more.
func (c *feedClient) CatchUp(tb testing.TB) {
	tb.Helper()
	for pages := 0; c.Page(tb); pages++ {
		if pages > 10000 {
			tb.Fatal("the feed did not end after 10000 pages")
		}
	}
}

// apply replays one event, checking that it follows the one before and makes sense
// against the replay so far.
func (c *feedClient) apply(tb testing.TB, e handlers.Change) {
	tb.Helper()
	if n := len(c.events); n > 0 && e.Seq <= c.events[n-1].Seq {
		tb.Fatalf("seq %d came after seq %d: the feed repeated or went back", e.Seq, c.events[n-1].Seq)
	}
	if e.Seq <= 0 {
		tb.Fatalf("seq %d", e.Seq)
	}
	if n := len(c.events); n > 0 && e.At.Before(c.events[n-1].At) {
		tb.Errorf("seq %d at %s comes after seq %d at %s", e.Seq, e.At, c.events[n-1].Seq, c.events[n-1].At)
	}
	var base string
	for _, k := range allKinds {
		if k.Type == e.Type {
			base = k.Base
		}
	}
	tomb, known := tombstoneActions[e.Action]
	switch {
	case base == "":
		tb.Fatalf("seq %d: unknown type %q", e.Seq, e.Type)
	case !known:
		tb.Fatalf("seq %d: unknown action %q", e.Seq, e.Action)
	case e.Tombstone != tomb:
		tb.Fatalf("seq %d: %s with tombstone %v", e.Seq, e.Action, e.Tombstone)
	case e.URL != base+"/"+e.Slug:
		tb.Fatalf("seq %d: url %q, want %s/%s", e.Seq, e.URL, base, e.Slug)
	}
	key := feedKey{e.Type, e.Slug}
	switch {
	case e.Tombstone:
		delete(c.items, key)
	case (e.Action == models.ChangeCreate || e.Action == models.ChangePublish) && c.items[key]:
		// An item only becomes public when it was not; if the replay already has it,
		// its tombstone was lost or came after this event.
		tb.Fatalf("seq %d: %s of %s, which the replay already shows: an event was lost or out of order", e.Seq, e.Action, key)
	default:
		c.items[key] = true
	}
	c.events = append(c.events, e)
}

// modelItem is the test's own account of an item it wrote.
type modelItem struct {
	kind      feedKind
	slug      string
	state     string    // draft, scheduled, published or archived; organisations are published
	publishAt time.Time // the time a scheduled item goes live
	announced bool      // the item's last event in the feed is not a tombstone
	deleted   bool
	n         int // creation order, which is the order of ids within a type
}

// public reports whether the public sees the item at now: published, or scheduled and
// due, whether or not PublishDue has run yet (as the lists do).
func (it *modelItem) public(now time.Time) bool {
	return !it.deleted && (it.state == models.StatusPublished ||
		it.state == models.StatusScheduled && !it.publishAt.After(now))
}

// feedModel writes through the API and says which events each write must add to the
// feed, from what the public could see before and after it.
type feedModel struct {
	app     *editorApp
	items   []*modelItem
	want    []wantEvent
	actions map[string]int // how many events of each action the sequence made
	created int
	renamed int
	due     int // publish events made by PublishDue
}

func (m *feedModel) emit(it *modelItem, slug, action string) {
	tomb := tombstoneActions[action]
	m.want = append(m.want, wantEvent{it.kind.Type, slug, action, tomb})
	it.announced = !tomb
	m.actions[action]++
}

// live returns the items not deleted, optionally only those with a publication state.
func (m *feedModel) live(publishedOnly bool) []*modelItem {
	var out []*modelItem
	for _, it := range m.items {
		if !it.deleted && (!publishedOnly || it.kind.State != "") {
			out = append(out, it)
		}
	}
	return out
}

// create POSTs a new item of kind in state (ignored for organisations).
func (m *feedModel) create(tb testing.TB, k feedKind, state string, publishAt time.Time) *modelItem {
	tb.Helper()
	m.created++
	body := k.Body(fmt.Sprintf("Changes %s %d", k.Type, m.created))
	it := &modelItem{kind: k, state: models.StatusPublished, n: m.created}
	if k.State != "" {
		it.state = state
		body[k.State] = state
		if state == models.StatusScheduled {
			it.publishAt = publishAt
			body["publish_at"] = publishAt.Format(time.RFC3339)
		}
	}
	data := m.app.MustCreate(tb, k.Base, m.app.Editor, body)
	it.slug = data["slug"].(string)
	m.items = append(m.items, it)
	if it.public(m.app.Clock.Now()) {
		m.emit(it, it.slug, models.ChangeCreate)
	}
	return it
}

// patch sends a merge patch that may change the title, the slug (newSlug != "") and
// the publication state (state != ""), and records the events it must add.
func (m *feedModel) patch(tb testing.TB, it *modelItem, title, newSlug, state string, publishAt time.Time) {
	tb.Helper()
	now := m.app.Clock.Now()
	was := it.public(now)
	if it.state == models.StatusScheduled && was {
		// A schedule that has come reads as published, and an edit writes it back so.
		it.state = models.StatusPublished
	}
	body := obj{}
	if title != "" {
		body[it.kind.Title] = title
	}
	old := it.slug
	if newSlug != "" {
		body["slug"] = newSlug
		it.slug = newSlug
	}
	if state != "" {
		body[it.kind.State] = state
		body["publish_at"] = nil
		it.state = state
		if state == models.StatusScheduled {
			it.publishAt = publishAt
			body["publish_at"] = publishAt.Format(time.RFC3339)
		}
	}
	resp, data := m.app.Write(tb, http.MethodPatch, it.kind.Base+"/"+old, m.app.Editor, body)
	MustStatus(tb, resp, http.StatusOK)
	if data["slug"] != it.slug {
		tb.Fatalf("PATCH %s/%s: slug %v, want %s", it.kind.Base, old, data["slug"], it.slug)
	}
	is := it.public(now)
	switch {
	case was && is:
		if old != it.slug {
			m.emit(it, old, models.ChangeMove)
		}
		m.emit(it, it.slug, models.ChangeUpdate)
	case !was && is:
		m.emit(it, it.slug, models.ChangePublish)
	case was && !is:
		action := models.ChangeUnpublish
		if it.state == models.StatusArchived {
			action = models.ChangeArchive
		}
		m.emit(it, old, action)
	}
}

func (m *feedModel) del(tb testing.TB, it *modelItem) {
	tb.Helper()
	was := it.public(m.app.Clock.Now())
	resp := m.app.Do(tb, http.MethodDelete, it.kind.Base+"/"+it.slug, nil, auth(m.app.Editor)...)
	MustStatus(tb, resp, http.StatusNoContent)
	it.deleted = true
	if was {
		m.emit(it, it.slug, models.ChangeDelete)
	}
}

// publishDue runs the store's PublishDue, as the server's ticker does, and records a
// publish event for every scheduled item that is due and not yet in the feed: by
// type (helplines, campaigns, articles), then by time, then by id.
func (m *feedModel) publishDue(tb testing.TB) {
	tb.Helper()
	now := m.app.Clock.Now()
	var due []*modelItem
	for _, it := range m.items {
		if !it.deleted && it.state == models.StatusScheduled && !it.publishAt.After(now) && !it.announced {
			due = append(due, it)
		}
	}
	order := map[string]int{"helpline": 0, "campaign": 1, "article": 2}
	slices.SortStableFunc(due, func(a, b *modelItem) int {
		return cmp.Or(cmp.Compare(order[a.kind.Type], order[b.kind.Type]), a.publishAt.Compare(b.publishAt), cmp.Compare(a.n, b.n))
	})
	for _, it := range due {
		m.emit(it, it.slug, models.ChangePublish)
	}
	m.due += len(due)
	n, err := m.app.Store.PublishDue(context.Background())
	if err != nil {
		tb.Fatalf("PublishDue: %v", err)
	}
	if n != len(due) {
		tb.Fatalf("PublishDue at %s announced %d items, want %d", now.Format(time.RFC3339), n, len(due))
	}
}

// publicKeys is what the model says the public sees: the seed's items and its own.
func (m *feedModel) publicKeys(seed map[feedKey]bool) map[feedKey]bool {
	out := map[feedKey]bool{}
	for k := range seed {
		out[k] = true
	}
	now := m.app.Clock.Now()
	for _, it := range m.items {
		if it.public(now) {
			out[feedKey{it.kind.Type, it.slug}] = true
		}
	}
	return out
}

// TestChangesReplay applies a long random sequence of writes of every type and every
// kind (create, edit, rename, publish, unpublish, archive, schedule, delete), moving
// the clock past scheduled items and running PublishDue as the server would, while a
// client pages the feed 7 events at a time in between. The client's replay must equal
// the public lists at every checkpoint and at the end; the feed must hold exactly the
// events the writes call for, in the order they were made, none lost or repeated.
func TestChangesReplay(t *testing.T) {
	app := MustStartEditorApp(t)
	rng := rand.New(rand.NewPCG(20270201, 1))
	m := &feedModel{app: app, actions: map[string]int{}}
	client := newFeedClient(app.testApp, 7)
	seed := MustPublicKeys(t, app.testApp)
	base := int(app.MustQueryInt(t, `SELECT COUNT(*) FROM changes`))
	if base == 0 {
		t.Fatal("the seed made no events")
	}

	check := func(t *testing.T, when string) {
		t.Helper()
		m.publishDue(t)
		client.CatchUp(t)
		public := MustPublicKeys(t, app.testApp)
		mustSameKeys(t, when, "the replay of the feed", client.items, "the public lists", public)
		mustSameKeys(t, when, "the test's model", m.publicKeys(seed), "the public lists", public)
	}

	states := []string{models.StatusPublished, models.StatusDraft, models.StatusArchived, models.StatusScheduled}
	future := func() time.Time {
		return app.Clock.Now().Add(time.Duration(1+rng.IntN(90)) * time.Minute)
	}
	pick := func(items []*modelItem) *modelItem { return items[rng.IntN(len(items))] }
	const writes = 300
	duePending := false // the clock has moved and PublishDue has not run since
	for w := 0; w < writes; {
		live, stateful := m.live(false), m.live(true)
		switch r := rng.IntN(100); {
		case r < 10:
			// The clock moves on; the ticker runs now or after the next write.
			app.Clock.Add(time.Duration(1+rng.IntN(45)) * time.Minute)
			if rng.IntN(2) == 0 {
				m.publishDue(t)
			} else {
				duePending = true
			}
			continue
		case r < 32 || len(stateful) < 3:
			k := allKinds[rng.IntN(len(allKinds))]
			// Mostly published, so that there is plenty to edit and remove.
			state := []string{models.StatusPublished, models.StatusPublished, models.StatusDraft, models.StatusScheduled}[rng.IntN(4)]
			m.create(t, k, state, future())
		case r < 47:
			it := pick(live)
			m.patch(t, it, fmt.Sprintf("Edited %s %d at write %d", it.kind.Type, it.n, w), "", "", time.Time{})
		case r < 57:
			it := pick(live)
			m.renamed++
			m.patch(t, it, "", fmt.Sprintf("changes-%s-%d-renamed-%d", it.kind.Type, it.n, m.renamed), "", time.Time{})
		case r < 88:
			it := pick(stateful)
			m.patch(t, it, "", "", states[rng.IntN(len(states))], future())
		default:
			m.del(t, pick(live))
		}
		w++
		if duePending {
			m.publishDue(t)
			duePending = false
		}
		// The client reads a page or two now and then, while the writes go on.
		if rng.IntN(3) == 0 {
			for range 1 + rng.IntN(2) {
				if !client.Page(t) {
					break
				}
			}
		}
		if w%75 == 0 {
			check(t, fmt.Sprintf("after %d writes", w))
		}
	}
	check(t, "at the end")

	t.Run("OKNoEventLost", func(t *testing.T) {
		if n := int(app.MustQueryInt(t, `SELECT COUNT(*) FROM changes`)); len(client.events) != n {
			t.Fatalf("the client received %d events; the feed holds %d", len(client.events), n)
		}
	})
	t.Run("OKEventsAsWritten", func(t *testing.T) {
		got := gotEvents(client.events[base:])
		for i := range min(len(got), len(m.want)) {
			if got[i] != m.want[i] {
				lo, hi := max(0, i-3), min(len(got), len(m.want), i+4)
				t.Fatalf("event %d of the sequence (seq %d): got %v, want %v\ngot  %v\nwant %v",
					i, client.events[base+i].Seq, got[i], m.want[i], got[lo:hi], m.want[lo:hi])
			}
		}
		if len(got) != len(m.want) {
			t.Fatalf("%d events after the seed, want %d", len(got), len(m.want))
		}
	})
	t.Run("OKEveryActionExercised", func(t *testing.T) {
		for action := range tombstoneActions {
			if m.actions[action] == 0 {
				t.Errorf("the sequence made no %s event; change the seed or the mix", action)
			}
		}
		if m.due == 0 {
			t.Error("PublishDue announced nothing; change the seed or the mix")
		}
		t.Logf("%d writes, %d events: %v, %d publish events by PublishDue", writes, len(m.want), m.actions, m.due)
	})
}

// mustPatch sends a merge patch to an item and fails unless it is 200.
func mustPatch(tb testing.TB, app *editorApp, k feedKind, slug string, body obj) obj {
	tb.Helper()
	resp, data := app.Write(tb, http.MethodPatch, k.Base+"/"+slug, app.Editor, body)
	MustStatus(tb, resp, http.StatusOK)
	return data
}

// createIn creates an item of kind k in state (ignored for organisations) and returns
// its slug.
func createIn(tb testing.TB, app *editorApp, k feedKind, name, state string, publishAt *time.Time) string {
	tb.Helper()
	body := k.Body(name)
	if k.State != "" {
		body[k.State] = state
		if publishAt != nil {
			body["publish_at"] = publishAt.Format(time.RFC3339)
		}
	}
	return app.MustCreate(tb, k.Base, app.Editor, body)["slug"].(string)
}

// stateBody is a merge patch that moves an item to state (not scheduled).
func stateBody(k feedKind, state string) obj { return obj{k.State: state, "publish_at": nil} }

// TestChangesEvents proves the event (and tombstone flag) that each kind of write adds
// to the feed, for every type, and that writes the public never sees add none.
func TestChangesEvents(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kinds []feedKind
		// run makes the writes (after the seed's events) and returns the events they
		// must add.
		run func(t *testing.T, app *editorApp, k feedKind) []wantEvent
	}{
		{"OKCreatePublishedIsCreate", allKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Fresh item", models.StatusPublished, nil)
			return []wantEvent{ev(k, s, models.ChangeCreate, false)}
		}},
		{"OKDraftWritesAddNothing", publishedKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Quiet draft", models.StatusDraft, nil)
			mustPatch(t, app, k, s, obj{k.Title: "Quiet draft, edited"})
			mustPatch(t, app, k, s, obj{"slug": s + "-renamed"})
			mustPatch(t, app, k, s+"-renamed", stateBody(k, models.StatusArchived))
			MustStatus(t, app.Do(t, http.MethodDelete, k.Base+"/"+s+"-renamed", nil, auth(app.Editor)...), http.StatusNoContent)
			return nil
		}},
		{"OKPublishDraftIsPublish", publishedKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Draft to publish", models.StatusDraft, nil)
			mustPatch(t, app, k, s, stateBody(k, models.StatusPublished))
			return []wantEvent{ev(k, s, models.ChangePublish, false)}
		}},
		{"OKEditPublicIsUpdate", allKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Public item", models.StatusPublished, nil)
			mustPatch(t, app, k, s, obj{k.Title: "Public item, corrected"})
			return []wantEvent{ev(k, s, models.ChangeCreate, false), ev(k, s, models.ChangeUpdate, false)}
		}},
		{"OKUnpublishIsTombstone", publishedKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Pulled item", models.StatusPublished, nil)
			mustPatch(t, app, k, s, stateBody(k, models.StatusDraft))
			return []wantEvent{ev(k, s, models.ChangeCreate, false), ev(k, s, models.ChangeUnpublish, true)}
		}},
		{"OKRescheduleIsUnpublishTombstone", publishedKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Rescheduled item", models.StatusPublished, nil)
			mustPatch(t, app, k, s, obj{k.State: models.StatusScheduled, "publish_at": testEpoch.Add(time.Hour).Format(time.RFC3339)})
			return []wantEvent{ev(k, s, models.ChangeCreate, false), ev(k, s, models.ChangeUnpublish, true)}
		}},
		{"OKArchiveIsTombstone", publishedKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Archived item", models.StatusPublished, nil)
			mustPatch(t, app, k, s, stateBody(k, models.StatusArchived))
			return []wantEvent{ev(k, s, models.ChangeCreate, false), ev(k, s, models.ChangeArchive, true)}
		}},
		{"OKRepublishIsPublish", publishedKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Back again", models.StatusPublished, nil)
			mustPatch(t, app, k, s, stateBody(k, models.StatusArchived))
			mustPatch(t, app, k, s, stateBody(k, models.StatusPublished))
			return []wantEvent{ev(k, s, models.ChangeCreate, false), ev(k, s, models.ChangeArchive, true),
				ev(k, s, models.ChangePublish, false)}
		}},
		{"OKDeleteIsTombstone", allKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Doomed item", models.StatusPublished, nil)
			MustStatus(t, app.Do(t, http.MethodDelete, k.Base+"/"+s, nil, auth(app.Editor)...), http.StatusNoContent)
			return []wantEvent{ev(k, s, models.ChangeCreate, false), ev(k, s, models.ChangeDelete, true)}
		}},
		{"OKRenameIsMoveThenUpdate", allKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Moving item", models.StatusPublished, nil)
			mustPatch(t, app, k, s, obj{"slug": "moved-item"})
			return []wantEvent{ev(k, s, models.ChangeCreate, false), ev(k, s, models.ChangeMove, true),
				ev(k, "moved-item", models.ChangeUpdate, false)}
		}},
		{"OKRenameWhileUnpublishingTombstonesOldSlug", publishedKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Hidden move", models.StatusPublished, nil)
			mustPatch(t, app, k, s, obj{"slug": "hidden-move-2", k.State: models.StatusDraft})
			// The new slug was never public, so the old one is what the client drops.
			return []wantEvent{ev(k, s, models.ChangeCreate, false), ev(k, s, models.ChangeUnpublish, true)}
		}},
		{"OKRenameWhilePublishingPublishesNewSlug", publishedKinds, func(t *testing.T, app *editorApp, k feedKind) []wantEvent {
			s := createIn(t, app, k, "Quiet move", models.StatusDraft, nil)
			mustPatch(t, app, k, s, obj{"slug": "quiet-move-2", k.State: models.StatusPublished})
			return []wantEvent{ev(k, "quiet-move-2", models.ChangePublish, false)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := MustStartEditorApp(t)
			_, since := MustReadFeed(t, app.testApp, "")
			for _, k := range tc.kinds {
				t.Run(k.Type, func(t *testing.T) {
					want := tc.run(t, app, k)
					got, resume := MustReadFeed(t, app.testApp, since)
					mustEvents(t, got, want...)
					for _, e := range got {
						if !e.At.Equal(testEpoch) {
							t.Errorf("seq %d: at %s, want the write's time %s", e.Seq, e.At, testEpoch)
						}
					}
					since = resume
				})
			}
		})
	}
}

// TestChangesScheduled proves that a scheduled item adds nothing to the feed until
// PublishDue runs after its time, then exactly one publish event, however often
// PublishDue runs again.
func TestChangesScheduled(t *testing.T) {
	publishAt := testEpoch.Add(30 * time.Minute)
	for _, k := range publishedKinds {
		t.Run("OKPublishedOnceWhenDue/"+k.Type, func(t *testing.T) {
			app := MustStartEditorApp(t)
			_, since := MustReadFeed(t, app.testApp, "")
			s := createIn(t, app, k, "Scheduled item", models.StatusScheduled, &publishAt)
			key := feedKey{k.Type, s}

			for _, at := range []time.Time{testEpoch, publishAt.Add(-time.Second)} {
				app.Clock.Set(at)
				if n, err := app.Store.PublishDue(context.Background()); err != nil || n != 0 {
					t.Fatalf("PublishDue at %s: %d, %v; want 0", at, n, err)
				}
				got, _ := MustReadFeed(t, app.testApp, since)
				mustEvents(t, got)
				if MustPublicKeys(t, app.testApp)[key] {
					t.Fatalf("at %s the public lists show %s", at, key)
				}
			}

			// The lists show it as soon as the clock gets there; the feed says so when
			// the ticker runs.
			app.Clock.Set(publishAt)
			if !MustPublicKeys(t, app.testApp)[key] {
				t.Fatalf("at publish_at the public lists do not show %s", key)
			}
			got, _ := MustReadFeed(t, app.testApp, since)
			mustEvents(t, got)
			app.Clock.Set(publishAt.Add(400 * time.Millisecond))
			if n, err := app.Store.PublishDue(context.Background()); err != nil || n != 1 {
				t.Fatalf("PublishDue after publish_at: %d, %v; want 1", n, err)
			}
			got, since = MustReadFeed(t, app.testApp, since)
			mustEvents(t, got, ev(k, s, models.ChangePublish, false))
			if !got[0].At.Equal(publishAt.Add(400 * time.Millisecond)) {
				t.Errorf("publish event at %s, want the time PublishDue ran", got[0].At)
			}

			for _, d := range []time.Duration{0, time.Hour} {
				app.Clock.Add(d)
				if n, err := app.Store.PublishDue(context.Background()); err != nil || n != 0 {
					t.Fatalf("PublishDue again (+%s): %d, %v; want 0", d, n, err)
				}
			}
			got, since = MustReadFeed(t, app.testApp, since)
			mustEvents(t, got)

			// Once live, an edit is an update.
			mustPatch(t, app, k, s, obj{k.Title: "Scheduled item, now live"})
			got, _ = MustReadFeed(t, app.testApp, since)
			mustEvents(t, got, ev(k, s, models.ChangeUpdate, false))
		})
	}

	t.Run("OKEditBeforeTickAnnouncedOnce", func(t *testing.T) {
		// An edit that lands between publish_at and the ticker announces the item
		// itself (as an update: the public could already see it); PublishDue then
		// has nothing left to announce.
		app := MustStartEditorApp(t)
		_, since := MustReadFeed(t, app.testApp, "")
		s := createIn(t, app, articleKind, "Early edit", models.StatusScheduled, &publishAt)
		app.Clock.Set(publishAt)
		mustPatch(t, app, articleKind, s, obj{"title": "Early edit, corrected"})
		if n, err := app.Store.PublishDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("PublishDue: %d, %v; want 0", n, err)
		}
		got, _ := MustReadFeed(t, app.testApp, since)
		mustEvents(t, got, ev(articleKind, s, models.ChangeUpdate, false))
	})

	t.Run("OKUnscheduledBeforeDueAddsNothing", func(t *testing.T) {
		app := MustStartEditorApp(t)
		_, since := MustReadFeed(t, app.testApp, "")
		s := createIn(t, app, articleKind, "Called off", models.StatusScheduled, &publishAt)
		mustPatch(t, app, articleKind, s, stateBody(articleKind, models.StatusDraft))
		app.Clock.Set(publishAt.Add(time.Minute))
		if n, err := app.Store.PublishDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("PublishDue: %d, %v; want 0", n, err)
		}
		got, _ := MustReadFeed(t, app.testApp, since)
		mustEvents(t, got)
	})

	t.Run("OKRescheduledAfterUnpublishPublishedAgain", func(t *testing.T) {
		app := MustStartEditorApp(t)
		_, since := MustReadFeed(t, app.testApp, "")
		s := createIn(t, app, helplineKind, "Second run", models.StatusScheduled, &publishAt)
		app.Clock.Set(publishAt)
		app.Store.PublishDue(context.Background())
		mustPatch(t, app, helplineKind, s, stateBody(helplineKind, models.StatusDraft))
		again := publishAt.Add(time.Hour)
		mustPatch(t, app, helplineKind, s, obj{"status": models.StatusScheduled, "publish_at": again.Format(time.RFC3339)})
		app.Clock.Set(again)
		if n, err := app.Store.PublishDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("PublishDue at the new time: %d, %v; want 1", n, err)
		}
		got, _ := MustReadFeed(t, app.testApp, since)
		mustEvents(t, got, ev(helplineKind, s, models.ChangePublish, false), ev(helplineKind, s, models.ChangeUnpublish, true),
			ev(helplineKind, s, models.ChangePublish, false))
	})
}

// TestChangesSince proves the since parameter: an RFC 3339 time starts at the first
// event at or after it; a resume_cursor gets only what came after it; anything else is
// a 400 naming since.
func TestChangesSince(t *testing.T) {
	app := MustStartEditorApp(t)
	seed, _ := MustReadFeed(t, app.testApp, "")
	t1 := testEpoch.Add(time.Hour)
	t2 := t1.Add(time.Hour)
	app.Clock.Set(t1)
	a := createIn(t, app, organisationKind, "Since A", "", nil)
	app.Clock.Set(t2)
	b := createIn(t, app, organisationKind, "Since B", "", nil)
	c := createIn(t, app, organisationKind, "Since C", "", nil)
	create := func(slug string) wantEvent { return ev(organisationKind, slug, models.ChangeCreate, false) }

	t.Run("OKTime", func(t *testing.T) {
		london := time.FixedZone("BST", 3600)
		for _, tc := range []struct {
			since string
			want  []wantEvent
		}{
			{t1.Format(time.RFC3339), []wantEvent{create(a), create(b), create(c)}},
			{t1.Add(time.Nanosecond).Format(time.RFC3339Nano), []wantEvent{create(b), create(c)}},
			{t2.Add(-time.Nanosecond).Format(time.RFC3339Nano), []wantEvent{create(b), create(c)}},
			{t2.Format(time.RFC3339), []wantEvent{create(b), create(c)}},
			{t2.In(london).Format(time.RFC3339), []wantEvent{create(b), create(c)}}, // the same instant, another offset
			{t2.Add(time.Second).Format(time.RFC3339), nil},
		} {
			got, resume := MustReadFeed(t, app.testApp, tc.since)
			if g := gotEvents(got); !slices.Equal(g, tc.want) {
				t.Errorf("since=%s: got %v, want %v", tc.since, g, tc.want)
			}
			if resume == "" {
				t.Errorf("since=%s: no resume_cursor", tc.since)
			}
		}
		all, _ := MustReadFeed(t, app.testApp, testEpoch.Add(-time.Hour).Format(time.RFC3339))
		if len(all) != len(seed)+3 {
			t.Errorf("since before everything: %d events, want %d", len(all), len(seed)+3)
		}
	})

	t.Run("OKFutureTimeResumesFromNow", func(t *testing.T) {
		got, resume := MustReadFeed(t, app.testApp, "2030-01-01T00:00:00Z")
		mustEvents(t, got)
		if resume == "" {
			t.Fatal("no resume_cursor for a time after every event")
		}
		d := createIn(t, app, organisationKind, "Since D", "", nil)
		got, _ = MustReadFeed(t, app.testApp, resume)
		mustEvents(t, got, create(d))
		MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/organisations/"+d, nil, auth(app.Editor)...), http.StatusNoContent)
	})

	t.Run("OKResumeCursorGetsOnlyNewEvents", func(t *testing.T) {
		var p handlers.ChangeList
		getOK(t, app.testApp, "/api/v1/changes?limit=100", &p)
		if p.Meta.NextCursor != nil || p.Meta.ResumeCursor == nil {
			t.Fatalf("one page of everything: next_cursor %v resume_cursor %v; want null and a cursor", p.Meta.NextCursor, p.Meta.ResumeCursor)
		}
		resume := *p.Meta.ResumeCursor
		// Nothing new: an empty page that hands back the same place.
		var empty handlers.ChangeList
		getOK(t, app.testApp, changesPath(resume, 0), &empty)
		if len(empty.Data) != 0 || empty.Meta.ResumeCursor == nil || *empty.Meta.ResumeCursor != resume || empty.Meta.NextCursor != nil {
			t.Fatalf("nothing new: %d events, resume_cursor %v next_cursor %v", len(empty.Data), empty.Meta.ResumeCursor, empty.Meta.NextCursor)
		}
		mustPatch(t, app, organisationKind, a, obj{"name": "Since A, renamed"})
		got, next := MustReadFeed(t, app.testApp, resume)
		mustEvents(t, got, ev(organisationKind, a, models.ChangeUpdate, false))
		if next == resume {
			t.Error("the resume_cursor did not move on past the new event")
		}
		got, _ = MustReadFeed(t, app.testApp, next)
		mustEvents(t, got)
	})

	t.Run("OKLinkOnEveryPageButTheLast", func(t *testing.T) {
		all, _ := MustReadFeed(t, app.testApp, "")
		path := "/api/v1/changes?limit=5"
		var seqs []int64
		for pages := 0; ; pages++ {
			var p handlers.ChangeList
			resp := getOK(t, app.testApp, path, &p)
			for _, e := range p.Data {
				seqs = append(seqs, e.Seq)
			}
			link := resp.Header.Get("Link")
			if p.Meta.NextCursor == nil {
				if link != "" {
					t.Errorf("last page: Link %q", link)
				}
				break
			}
			want := "<" + *p.Links.Next + `>; rel="next"`
			if link != want {
				t.Fatalf("page %d: Link %q, want %q", pages, link, want)
			}
			u, err := url.Parse(*p.Links.Next)
			if err != nil || u.Query().Get("since") != *p.Meta.NextCursor || u.Query().Get("limit") != "5" {
				t.Fatalf("links.next %q: want since=next_cursor and limit=5", *p.Links.Next)
			}
			path = *p.Links.Next // as a client following the Link header
		}
		want := make([]int64, len(all))
		for i, e := range all {
			want[i] = e.Seq
		}
		if !slices.Equal(seqs, want) {
			t.Errorf("paging by 5 gave seqs %v, want %v", seqs, want)
		}
	})

	t.Run("ErrBadSince", func(t *testing.T) {
		var articles handlers.ArticleList
		createIn(t, app, articleKind, "Second article for a cursor", models.StatusPublished, nil)
		getOK(t, app.testApp, "/api/v1/articles?limit=1", &articles)
		if articles.Meta.NextCursor == nil {
			t.Fatal("the article list has no next_cursor")
		}
		var p handlers.ChangeList
		getOK(t, app.testApp, "/api/v1/changes?limit=1", &p)
		good := *p.Meta.NextCursor
		flipped := []byte(good)
		flipped[len(flipped)/2] ^= 1
		for _, since := range []string{
			"garbage",
			*articles.Meta.NextCursor, // another list's cursor
			string(flipped),           // an edited cursor
			good[:len(good)-3],        // a truncated one
			"2027-02-01",              // a date is not a time
			"2027-02-01T10:00:00",     // nor is a time without an offset
			"",
		} {
			MustProblem(t, app.Get(t, "/api/v1/changes?since="+url.QueryEscape(since)), http.StatusBadRequest, "since")
		}
		MustProblem(t, app.Get(t, "/api/v1/changes?since=a&since=b"), http.StatusBadRequest, "since")
		MustProblem(t, app.Get(t, "/api/v1/changes?limit=0"), http.StatusBadRequest, "limit")
		MustProblem(t, app.Get(t, "/api/v1/changes?cursor="+good), http.StatusBadRequest, "cursor")
	})
}

// TestChangesEmpty proves the feed of a database where nothing has happened: no
// events and no resume cursor; the first write gives both.
func TestChangesEmpty(t *testing.T) {
	app := MustStartEditorApp(t, WithoutSeed())
	var p handlers.ChangeList
	getOK(t, app.testApp, "/api/v1/changes", &p)
	if len(p.Data) != 0 || p.Meta.NextCursor != nil || p.Meta.ResumeCursor != nil || p.Links.Next != nil {
		t.Fatalf("empty feed: %+v", p)
	}
	s := createIn(t, app, organisationKind, "First organisation", "", nil)
	got, resume := MustReadFeed(t, app.testApp, "")
	mustEvents(t, got, ev(organisationKind, s, models.ChangeCreate, false))
	if resume == "" {
		t.Fatal("no resume_cursor after the first event")
	}
}
