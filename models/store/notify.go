package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// On PostgreSQL every write also announces its invalidation with NOTIFY, in its own
// transaction, so that the server delivers it at commit and never for a write that
// rolled back. Other instances LISTEN on a connection of their own and apply it at
// once; the table cache_invalidations stays the record they fall back on when a
// notification is missed (the connection broke) or could not hold the tags.

// InvalidationChannel is the PostgreSQL notification channel of invalidations.
const InvalidationChannel = "signpost_invalidations"

// maxNotifyPayload is the longest payload sent with the tags: PostgreSQL refuses
// one of 8000 bytes or more.
const maxNotifyPayload = 7999

// tagsNotSent stands in for the tags of a payload too long to send them; no tag
// is a question mark.
const tagsNotSent = "?"

// notifyInvalidation sends the invalidation of version v, whose tags are text
// (space separated), on a PostgreSQL transaction; on SQLite it does nothing, since
// no other process can listen.
func notifyInvalidation(tx *gorm.DB, v int64, text string) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	return tx.Exec(`SELECT pg_notify(?, ?)`, InvalidationChannel, notifyPayload(v, text)).Error
}

// notifyPayload is "<version> <tags>", or "<version> ?" when that would be too long.
func notifyPayload(v int64, text string) string {
	p := strconv.FormatInt(v, 10) + " " + text
	if len(p) > maxNotifyPayload {
		return strconv.FormatInt(v, 10) + " " + tagsNotSent
	}
	return p
}

// parsePayload reads a payload of notifyPayload; complete is false when it holds
// the version alone.
func parsePayload(p string) (inv Invalidation, complete bool, err error) {
	fields := strings.Fields(p)
	if len(fields) == 0 {
		return Invalidation{}, false, errors.New("store: empty invalidation notification")
	}
	v, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || v <= 0 {
		return Invalidation{}, false, fmt.Errorf("store: invalidation notification without a version: %.40q", p)
	}
	if len(fields) == 2 && fields[1] == tagsNotSent {
		return Invalidation{Version: v}, false, nil
	}
	return Invalidation{Version: v, Tags: fields[1:]}, true, nil
}

// ErrListenUnsupported is what Listen returns at once on SQLite, where no other
// process announces its writes: the periodic check is all there is.
var ErrListenUnsupported = errors.New("store: listening for writes needs PostgreSQL")

// ListenHandler receives what Listen hears. Its functions run one at a time on
// Listen's goroutine, in the order of events; a slow one delays the next
// notifications, which the server keeps meanwhile.
type ListenHandler struct {
	// Invalidation receives each write's invalidation, in the order the writes
	// committed. complete is false when the notification held the version alone
	// (the tags would not fit), or nothing readable (inv.Version 0): read them
	// with Invalidations.
	Invalidation func(inv Invalidation, complete bool)
	// Connected is called once LISTEN runs on a new connection: the first
	// (reconnected false), and every one after a break (reconnected true). Writes
	// that committed while no connection listened were announced to no one, so the
	// caller reads Invalidations again then.
	Connected func(reconnected bool)
	// Lost is called when a connection cannot be made or breaks, with the cause
	// (never holding the password) and the wait before the next attempt.
	Lost func(err error, retry time.Duration)
}

// Listen waits on one dedicated connection (not the pool's) for the invalidations
// that writes announce, and passes them to h until ctx is done, then returns nil.
// When the connection breaks it connects again, waiting longer after each failure
// (up to listenMaxBackoff). On SQLite it returns ErrListenUnsupported at once.
func (s *Store) Listen(ctx context.Context, h ListenHandler) error {
	if s.dialect != postgresDialect {
		return ErrListenUnsupported
	}
	pc, err := pgx.ParseConfig(s.pgURL)
	if err != nil {
		return fmt.Errorf("store: listen: %s: %w", RedactDB(s.pgURL), redactErr(err, s.pgURL))
	}
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = defaultConnectTimeout
	}
	if pc.RuntimeParams["application_name"] == "" {
		pc.RuntimeParams["application_name"] = listenApplication
	}
	wait := listenMinBackoff
	connected := false // a connection has listened before
	for {
		listened, err := s.listenOnce(ctx, pc, h, connected)
		if ctx.Err() != nil {
			return nil
		}
		if listened {
			connected = true
			wait = listenMinBackoff
		}
		// A jitter keeps instances that lost the server together from all coming back
		// at the same moment.
		retry := wait/2 + rand.N(wait/2+1)
		if h.Lost != nil {
			h.Lost(fmt.Errorf("store: listen on %s: %w", RedactDB(s.pgURL), redactErr(err, s.pgURL)), retry)
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(2*wait, listenMaxBackoff)
	}
}

// listenOnce connects, runs LISTEN and passes on notifications until the connection
// fails (err) or ctx is done. listened says whether LISTEN ran.
func (s *Store) listenOnce(ctx context.Context, pc *pgx.ConnConfig, h ListenHandler, reconnected bool) (listened bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		conn.Close(cctx)
		cancel()
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+InvalidationChannel); err != nil {
		return false, err
	}
	if h.Connected != nil {
		h.Connected(reconnected)
	}
	for {
		// Wake up now and then to ask the server: a connection whose server went away
		// without a word would otherwise wait, and miss every notification, until
		// TCP keepalive gives up on it many minutes later.
		wctx, cancel := context.WithTimeout(ctx, listenPingEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return true, ctx.Err()
		case err != nil && errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			pctx, cancel := context.WithTimeout(ctx, listenPingTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return true, fmt.Errorf("the server does not answer: %w", err)
			}
			continue
		case err != nil:
			return true, err
		}
		inv, complete, err := parsePayload(n.Payload)
		if err != nil {
			// Not one of ours (someone else sent on the channel): the table has the truth.
			inv, complete = Invalidation{}, false
		}
		if h.Invalidation != nil {
			h.Invalidation(inv, complete)
		}
	}
}

// The listener's timings: the wait before connecting again starts at
// listenMinBackoff and doubles after each failure up to listenMaxBackoff; a
// connection with no notification for listenPingEvery is asked to answer within
// listenPingTimeout (variables, which tests shorten).
const (
	listenMinBackoff = 100 * time.Millisecond
	listenMaxBackoff = 10 * time.Second
)

var (
	listenPingEvery   = 30 * time.Second
	listenPingTimeout = 10 * time.Second
)

// listenApplication is the application_name of the listening connection, which
// pg_stat_activity shows, unless the URL names one.
const listenApplication = "signpost-listen"
