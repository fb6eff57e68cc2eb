package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// StreamStore reads the changes feed for live streams.
type StreamStore interface {
	ChangeCursor(seq int64) string
	LatestChange(ctx context.Context) (int64, error)
}

// StreamPath is the route of the live changes stream.
const StreamPath = "/api/v1/changes/stream"

// Defaults of the stream's settings.
const (
	DefaultStreamHeartbeat = 15 * time.Second
	DefaultStreamPerClient = 4
	streamPoll             = 250 * time.Millisecond
	streamRetry            = 3000 // milliseconds, the client's wait before it reconnects
)

// streaming reports whether a request is a live stream, which must reach the client
// event by event: the Conditional middleware, which buffers and caches whole
// responses, lets it through untouched.
func streaming(c *gin.Context) bool { return c.FullPath() == StreamPath }

func changeJSON(ch models.Change) Change {
	return Change{Seq: ch.ID, At: ch.At.UTC(), Type: ch.ItemType, Slug: ch.Slug, Action: ch.Action,
		Tombstone: ch.Tombstone, URL: itemPaths[ch.ItemType] + ch.Slug}
}

// streams counts the open streams of each client, and wakes them when the feed
// grows: one query a poll for the whole process, however many streams are open.
type streams struct {
	latest func(ctx context.Context) (int64, error)
	poll   time.Duration

	mu      sync.Mutex
	open    map[string]int
	total   int
	seq     int64
	wake    chan struct{}
	polling bool
}

func newStreams(latest func(ctx context.Context) (int64, error)) *streams {
	return &streams{latest: latest, poll: streamPoll, open: map[string]int{}, wake: make(chan struct{})}
}

// acquire opens a stream for client, unless it has max open already.
func (s *streams) acquire(client string, max int, stop <-chan struct{}) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[client] >= max {
		return false
	}
	s.open[client]++
	s.total++
	if !s.polling {
		s.polling = true
		go s.run(stop)
	}
	return true
}

func (s *streams) release(client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[client]--; s.open[client] <= 0 {
		delete(s.open, client)
	}
	s.total--
}

// changed returns a channel that is closed when the feed next grows.
func (s *streams) changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// run polls the newest change while any stream is open.
func (s *streams) run(stop <-chan struct{}) {
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		select {
		case <-stop:
		case <-t.C:
		}
		seq, err := s.latest(context.Background())
		s.mu.Lock()
		if err == nil && seq != s.seq {
			s.seq = seq
			close(s.wake)
			s.wake = make(chan struct{})
		}
		done := s.total == 0 || isClosed(stop)
		if done {
			s.polling = false
		}
		s.mu.Unlock()
		if done {
			return
		}
	}
}

func isClosed(c <-chan struct{}) bool {
	if c == nil {
		return false
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// streamChanges godoc
//
//	@Summary		Live stream of changes
//	@ID				streamChanges
//	@Description	Server-Sent Events of the changes feed: each event's data is a Change and its id the resume cursor after it. Without since, the stream starts at the newest change (its first message sets the id). Reconnect with Last-Event-ID (browsers do it by themselves) to lose nothing. Comments are sent as heartbeats.
//	@Tags			sync
//	@Produce		text/event-stream
//	@Param			since			query		string	false	"a resume cursor, or an RFC 3339 time"
//	@Param			Last-Event-ID	header		string	false	"the id of the last event received; wins over since"
//	@Success		200				{string}	string	"text/event-stream of changes"
//	@Failure		400				{object}	Problem	"invalid parameter"
//	@Failure		401				{object}	Problem	"bad API key (a key is optional here; a bad one is refused)"
//	@Failure		429				{object}	Problem	"too many open streams from this client"
//	@Header			429				{integer}	Retry-After	"seconds to wait before trying again"
//	@Failure		500				{object}	Problem	"internal error"
//	@Router			/api/v1/changes/stream [get]
func (h *Handler) streamChanges(c *gin.Context) {
	q, err := parseQuery(c.Request.URL, "since")
	if err != nil {
		WriteError(c, err)
		return
	}
	since, err := q.str("since")
	if err != nil {
		WriteError(c, err)
		return
	}
	param := "since"
	if id := c.GetHeader("Last-Event-ID"); id != "" {
		since, param = id, "Last-Event-ID"
	}
	ctx := c.Request.Context()
	var f models.ChangeFilter
	if since == "" {
		seq, err := h.store.LatestChange(ctx)
		if err != nil {
			WriteError(c, err)
			return
		}
		f.Cursor = h.store.ChangeCursor(seq)
	} else if t, err := time.Parse(time.RFC3339Nano, since); err == nil && param == "since" {
		f.Since = &t
	} else {
		f.Cursor = since
	}
	f.Limit = models.MaxLimit
	page, err := h.store.Changes(ctx, f)
	if err != nil {
		if models.ErrorCode(err) == models.EBADPARAM {
			err = models.BadParam(param, "must be a cursor from this feed or an RFC 3339 time")
		}
		WriteError(c, err)
		return
	}
	if c.Request.Method == http.MethodHead {
		c.Header("Content-Type", "text/event-stream; charset=utf-8")
		c.Header("Cache-Control", "no-store")
		c.Status(http.StatusOK)
		return
	}
	client := clientID(c.ClientIP())
	if !h.streams.acquire(client, h.opts.StreamPerClient, h.opts.Stop) {
		c.Header("Retry-After", strconv.Itoa(streamRetry/1000))
		WriteError(c, models.Errorf(models.ERATELIMITED, "At most %d streams may be open from one client at once.", h.opts.StreamPerClient))
		return
	}
	defer h.streams.release(client)

	// A stream outlives the server's read and write timeouts, which are for
	// ordinary requests.
	rc := http.NewResponseController(c.Writer)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	hd := c.Writer.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no") // proxies such as nginx pass events on at once
	c.Status(http.StatusOK)

	// The first message names where the stream starts (unless that is a time), so
	// that a client that reconnects before any event resumes from there.
	msg := "retry: " + strconv.Itoa(streamRetry) + "\n"
	if f.Cursor != "" {
		msg += "id: " + f.Cursor + "\n"
	}
	if !h.send(c, msg+"\n") {
		return
	}
	heartbeat := time.NewTicker(h.opts.StreamHeartbeat)
	defer heartbeat.Stop()
	// The channel is taken before each read, so that a change made while the read
	// runs wakes the stream again.
	wake := h.streams.changed()
	for {
		if page, err = h.store.Changes(ctx, f); err != nil {
			return // the client reconnects and resumes
		}
		for _, ch := range page.Items {
			data, _ := json.Marshal(changeJSON(ch))
			if !h.send(c, "id: "+h.store.ChangeCursor(ch.ID)+"\ndata: "+string(data)+"\n\n") {
				return
			}
		}
		if page.Resume != "" {
			f = models.ChangeFilter{Cursor: page.Resume, Limit: models.MaxLimit}
		}
		if page.Next == "" && !h.wait(c, heartbeat, wake) {
			return
		}
		wake = h.streams.changed()
	}
}

// wait sends heartbeats until the feed grows (true), or the client goes or the
// server stops (false).
func (h *Handler) wait(c *gin.Context, heartbeat *time.Ticker, wake <-chan struct{}) bool {
	for {
		select {
		case <-c.Request.Context().Done():
			return false
		case <-h.opts.Stop:
			return false
		case <-heartbeat.C:
			if !h.send(c, ": heartbeat\n\n") {
				return false
			}
		case <-wake:
			return true
		}
	}
}

// send writes and flushes one message; false when the client has gone.
func (h *Handler) send(c *gin.Context, msg string) bool {
	if _, err := c.Writer.WriteString(msg); err != nil {
		return false
	}
	c.Writer.Flush()
	return c.Request.Context().Err() == nil
}
