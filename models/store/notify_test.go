package store

// Tests of the write announcements on PostgreSQL (bumpVersion's NOTIFY) and of
// Listen: what a committed write sends, that a rolled-back one sends nothing, the
// payload without its tags when they would not fit, reconnecting after the
// connection is cut (and saying so), stopping with its context, SQLite saying it
// cannot, and no password in any error. They run on a throwaway PostgreSQL
// (pgtest) and skip without one.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"signpost/models/store/pgtest"
)

func TestNotifyPayload(t *testing.T) {
	for _, tt := range []struct {
		name     string
		version  int64
		text     string
		want     string
		complete bool
	}{
		{"OKTags", 12, "article article/a", "12 article article/a", true},
		{"OKEverything", 3, TagAll, "3 *", true},
		{"OKNoTags", 4, "", "4 ", true},
		{"OKLongestWithTags", 5, strings.Repeat("x", maxNotifyPayload-2), "5 " + strings.Repeat("x", maxNotifyPayload-2), true},
		{"OKTooLongForTags", 5, strings.Repeat("x", maxNotifyPayload-1), "5 ?", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := notifyPayload(tt.version, tt.text)
			if p != tt.want {
				t.Fatalf("payload %.60q (%d bytes), want %.60q", p, len(p), tt.want)
			}
			if len(p) >= 8000 {
				t.Errorf("payload of %d bytes: PostgreSQL refuses 8000 or more", len(p))
			}
			inv, complete, err := parsePayload(p)
			if err != nil || inv.Version != tt.version || complete != tt.complete {
				t.Fatalf("parsed %v, complete %v, %v", inv.Version, complete, err)
			}
			if complete && strings.Join(inv.Tags, " ") != tt.text {
				t.Errorf("tags %.60q, want %.60q", strings.Join(inv.Tags, " "), tt.text)
			}
		})
	}
	for _, p := range []string{"", " ", "x article", "-1 article", "0 article"} {
		if _, _, err := parsePayload(p); err == nil {
			t.Errorf("payload %q read as an invalidation", p)
		}
	}
}

// listenEvent is one call of a ListenHandler.
type listenEvent struct {
	kind        string // "invalidation", "connected", "lost"
	inv         Invalidation
	complete    bool
	reconnected bool
	err         error
}

// listenT is a Listen running on its own goroutine, its events on a channel.
type listenT struct {
	events chan listenEvent
	done   chan error
	cancel context.CancelFunc
}

func startListen(t *testing.T, s *Store) *listenT {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &listenT{events: make(chan listenEvent, 100), done: make(chan error, 1), cancel: cancel}
	go func() {
		l.done <- s.Listen(ctx, ListenHandler{
			Invalidation: func(inv Invalidation, complete bool) {
				l.events <- listenEvent{kind: "invalidation", inv: inv, complete: complete}
			},
			Connected: func(reconnected bool) { l.events <- listenEvent{kind: "connected", reconnected: reconnected} },
			Lost:      func(err error, _ time.Duration) { l.events <- listenEvent{kind: "lost", err: err} },
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-l.done:
		case <-time.After(10 * time.Second):
			t.Error("Listen did not return within 10 s of its context's end")
		}
	})
	return l
}

// next returns the next event, failing the test after 10 s without one.
func (l *listenT) next(t *testing.T) listenEvent {
	t.Helper()
	select {
	case e := <-l.events:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event from Listen within 10 s")
		return listenEvent{}
	}
}

func (l *listenT) mustNext(t *testing.T, kind string) listenEvent {
	t.Helper()
	e := l.next(t)
	if e.kind != kind {
		t.Fatalf("event %+v, want %s", e, kind)
	}
	return e
}

// testPassword is in the URLs of these tests: the test cluster trusts local
// connections and never checks it, and no error may show it.
const testPassword = "Sw0rdf1sh-notify"

// mustNotifyDB returns a migrated PostgreSQL database's URL (with testPassword in
// it) and a gorm handle on it that writes as the store does.
func mustNotifyDB(t *testing.T) (string, *gorm.DB) {
	t.Helper()
	u, err := url.Parse(pgtest.MustDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), testPassword)
	cfg := Config{DB: u.String()}
	ctx := context.Background()
	if _, err := migrateOnPostgres(ctx, cfg, storeClock(nil)); err != nil {
		t.Fatal(err)
	}
	g, err := openPostgres(ctx, cfg, storeClock(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if db, err := g.DB(); err == nil {
			db.Close()
		}
	})
	return u.String(), g
}

// notifyWrite bumps the version with tags in a transaction, as every store write does,
// and commits it unless rollback is set.
func notifyWrite(t *testing.T, g *gorm.DB, rollback bool, tags ...string) {
	t.Helper()
	errRollback := errors.New("rolled back")
	err := g.Transaction(func(tx *gorm.DB) error {
		if err := bumpVersion(tx, time.Now(), tags); err != nil {
			return err
		}
		if rollback {
			return errRollback
		}
		return nil
	})
	if err != nil && !(rollback && errors.Is(err, errRollback)) {
		t.Fatal(err)
	}
}

func noPassword(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), testPassword) {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestListen(t *testing.T) {
	if !pgtest.OnPostgres() {
		t.Skip("PostgreSQL only: it runs in the tests' PostgreSQL pass (pgtest.Both)")
	}
	t.Run("OKCommittedWritesArriveInOrderRolledBackNever", func(t *testing.T) {
		u, g := mustNotifyDB(t)
		l := startListen(t, &Store{dialect: postgresDialect, pgURL: u})
		if e := l.mustNext(t, "connected"); e.reconnected {
			t.Error("the first connection reported as a reconnection")
		}
		notifyWrite(t, g, false, "article", "article/a")
		notifyWrite(t, g, true, "article/rolled-back")
		notifyWrite(t, g, false) // nil tags: everything
		// The rolled-back write's version 2 went with it: the third write took it.
		for _, want := range []struct {
			version int64
			tags    string
		}{{1, "article article/a"}, {2, "*"}} {
			e := l.mustNext(t, "invalidation")
			if e.inv.Version != want.version || !e.complete || strings.Join(e.inv.Tags, " ") != want.tags {
				t.Errorf("notification %+v complete %v, want version %d with %q", e.inv, e.complete, want.version, want.tags)
			}
		}
	})

	t.Run("OKTooManyTagsSendTheVersionAlone", func(t *testing.T) {
		u, g := mustNotifyDB(t)
		l := startListen(t, &Store{dialect: postgresDialect, pgURL: u})
		l.mustNext(t, "connected")
		var tags []string
		for i := range 400 {
			tags = append(tags, fmt.Sprintf("article/a-long-article-slug-of-a-write-that-touched-many-%d", i))
		}
		notifyWrite(t, g, false, tags...)
		e := l.mustNext(t, "invalidation")
		if e.inv.Version != 1 || e.complete || len(e.inv.Tags) != 0 {
			t.Errorf("notification %+v complete %v, want version 1 without its tags", e.inv, e.complete)
		}
		var stored string
		if err := g.Raw(`SELECT tags FROM cache_invalidations WHERE version = 1`).Scan(&stored).Error; err != nil || len(strings.Fields(stored)) != 400 {
			t.Errorf("the table holds %d tags (%v), want all 400", len(strings.Fields(stored)), err)
		}
	})

	t.Run("OKLongestPayloadSentWhole", func(t *testing.T) {
		// "1 " and one tag: the longest payload that PostgreSQL takes.
		u, g := mustNotifyDB(t)
		l := startListen(t, &Store{dialect: postgresDialect, pgURL: u})
		l.mustNext(t, "connected")
		tag := "article/" + strings.Repeat("x", maxNotifyPayload-len("1 article/"))
		notifyWrite(t, g, false, tag)
		e := l.mustNext(t, "invalidation")
		if e.inv.Version != 1 || !e.complete || len(e.inv.Tags) != 1 || e.inv.Tags[0] != tag {
			t.Errorf("notification of version %d complete %v with %d tags, want version 1 with its one tag", e.inv.Version, e.complete, len(e.inv.Tags))
		}
	})

	t.Run("OKReconnectsAfterTheConnectionIsCut", func(t *testing.T) {
		u, g := mustNotifyDB(t)
		l := startListen(t, &Store{dialect: postgresDialect, pgURL: u})
		l.mustNext(t, "connected")
		db, _ := g.DB()
		var cut int
		if err := db.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
			listenApplication).Scan(&cut); err != nil || cut != 1 {
			t.Fatalf("cut %d listening connections (%v), want 1", cut, err)
		}
		e := l.mustNext(t, "lost")
		if e.err == nil {
			t.Fatal("lost without a cause")
		}
		noPassword(t, e.err)
		if e := l.mustNext(t, "connected"); !e.reconnected {
			t.Error("the connection made again not reported as a reconnection")
		}
		notifyWrite(t, g, false, "helpline/h")
		if e := l.mustNext(t, "invalidation"); e.inv.Version != 1 || !e.complete {
			t.Errorf("after reconnecting: notification %+v complete %v, want version 1", e.inv, e.complete)
		}
	})

	t.Run("OKReconnectsWhenTheServerGoesSilent", func(t *testing.T) {
		// The connection passes through a proxy that stops forwarding without
		// closing anything, as a server or a network gone away would: no error
		// ever comes, and only the ping notices.
		every, timeout := listenPingEvery, listenPingTimeout
		listenPingEvery, listenPingTimeout = 100*time.Millisecond, 200*time.Millisecond
		defer func() { listenPingEvery, listenPingTimeout = every, timeout }()
		u, g := mustNotifyDB(t)
		p := startFreezingProxy(t, u)
		l := startListen(t, &Store{dialect: postgresDialect, pgURL: p.url})
		l.mustNext(t, "connected")
		p.freeze()
		if e := l.mustNext(t, "lost"); e.err == nil || !strings.Contains(e.err.Error(), "does not answer") {
			t.Errorf("lost with %v, want the server not answering", e.err)
		}
		if e := l.mustNext(t, "connected"); !e.reconnected {
			t.Error("the connection made again not reported as a reconnection")
		}
		notifyWrite(t, g, false, "campaign/c")
		if e := l.mustNext(t, "invalidation"); e.inv.Version != 1 || !e.complete {
			t.Errorf("after reconnecting: notification %+v complete %v, want version 1", e.inv, e.complete)
		}
	})

	t.Run("OKRetriesWhileTheServerCannotBeReached", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		u := "postgres://signpost:" + testPassword + "@" + addr + "/signpost?connect_timeout=2"
		l := startListen(t, &Store{dialect: postgresDialect, pgURL: u})
		for range 2 {
			e := l.mustNext(t, "lost")
			if e.err == nil || !strings.Contains(e.err.Error(), "xxxxx") {
				t.Errorf("cause %v, want the URL with its password redacted", e.err)
			}
			noPassword(t, e.err)
		}
	})

	t.Run("OKStopsWithItsContext", func(t *testing.T) {
		u, _ := mustNotifyDB(t)
		l := startListen(t, &Store{dialect: postgresDialect, pgURL: u})
		l.mustNext(t, "connected")
		l.cancel()
		select {
		case err := <-l.done:
			if err != nil {
				t.Errorf("Listen returned %v, want nil", err)
			}
			l.done <- err // for the cleanup
		case <-time.After(10 * time.Second):
			t.Fatal("Listen did not return within 10 s of its context's end")
		}
	})
}

// TestListenSQLite proves that Listen says at once that SQLite cannot: no other
// process announces its writes there, and the periodic check is all there is.
func TestListenSQLite(t *testing.T) {
	s := &Store{dialect: sqliteDialect, path: t.TempDir() + "/signpost.db"}
	if err := s.Listen(context.Background(), ListenHandler{}); !errors.Is(err, ErrListenUnsupported) {
		t.Errorf("Listen on SQLite returned %v, want ErrListenUnsupported", err)
	}
}

// freezingProxy forwards TCP connections to a PostgreSQL server until freeze, after
// which the connections it had stop forwarding, silently and without closing; new
// ones forward again.
type freezingProxy struct {
	url    string
	mu     sync.Mutex
	frozen []chan struct{} // one per connection, closed to freeze it
}

func startFreezingProxy(t *testing.T, target string) *freezingProxy {
	t.Helper()
	tu, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var connsMu sync.Mutex
	t.Cleanup(func() {
		ln.Close()
		connsMu.Lock()
		defer connsMu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	p := &freezingProxy{}
	pu := *tu
	pu.Host = ln.Addr().String()
	p.url = pu.String()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", tu.Host)
			if err != nil {
				in.Close()
				continue
			}
			connsMu.Lock()
			conns = append(conns, in, out)
			connsMu.Unlock()
			frozen := make(chan struct{})
			p.mu.Lock()
			p.frozen = append(p.frozen, frozen)
			p.mu.Unlock()
			for _, pair := range [][2]net.Conn{{in, out}, {out, in}} {
				go func() {
					buf := make([]byte, 32<<10)
					for {
						n, err := pair[0].Read(buf)
						if err != nil {
							return
						}
						select {
						case <-frozen:
							continue // dropped: the other end hears nothing
						default:
						}
						if _, err := pair[1].Write(buf[:n]); err != nil {
							return
						}
					}
				}()
			}
		}
	}()
	return p
}

// freeze stops the connections made so far.
func (p *freezingProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.frozen {
		close(f)
	}
	p.frozen = nil
}
