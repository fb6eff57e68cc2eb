package handlers

// Unit tests of ResponseCache.Notify and Resync: how a notification of a write
// (LISTEN/NOTIFY between instances on PostgreSQL) is applied. The three-instance
// test in api/notify_test.go proves it end to end.

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestResponseCacheNotify(t *testing.T) {
	ctx := context.Background()
	keys := []string{"/articles/a", "/articles/b", "/helplines", "/unsaid"}
	fill := func(tc *testCache) {
		tc.mustPut(t, "/articles/a", []byte("a"), "article/a")
		tc.mustPut(t, "/articles/b", []byte("b"), "article/b")
		tc.mustPut(t, "/helplines", []byte("hl"), "helpline", "helpline/h")
		tc.mustPut(t, "/unsaid", []byte("made of anything"), tagAll)
	}
	// notify sends the notification of the last write of tc's state.
	last := func(tc *testCache) Invalidation {
		tc.state.mu.Lock()
		defer tc.state.mu.Unlock()
		return tc.state.log[len(tc.state.log)-1]
	}
	mustOutcome := func(t *testing.T, got, want NotifyOutcome) {
		t.Helper()
		if got != want {
			t.Errorf("outcome %q, want %q", got, want)
		}
	}

	t.Run("OKNextVersionAppliedWithoutReading", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		fill(tc)
		tc.state.write("article/a")
		reads := tc.state.readCount()
		mustOutcome(t, tc.Notify(ctx, last(tc), true), NotifyApplied)
		if n := tc.state.readCount() - reads; n != 0 {
			t.Errorf("applying the next version read the state %d times, want 0", n)
		}
		if v := tc.version.Load(); v != 1 {
			t.Errorf("version %d, want 1", v)
		}
		tc.mustHave(t, keys, "/articles/b", "/helplines")
		tc.mustWithinBound(t)
	})

	t.Run("OKNextRequestReadsTheStateOnce", func(t *testing.T) {
		// The notification does not carry the next scheduled publication, which the
		// write may have moved: the next request reads it, once, then the interval
		// holds again.
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		next := cacheT0.Add(30 * time.Minute)
		tc.state.setNext(next)
		tc.state.write("article/a")
		mustOutcome(t, tc.Notify(ctx, last(tc), true), NotifyApplied)
		reads := tc.state.readCount()
		tc.sync(ctx, false)
		tc.sync(ctx, false)
		if n := tc.state.readCount() - reads; n != 1 {
			t.Errorf("two requests after the notification read the state %d times, want 1", n)
		}
		if got := time.Unix(0, tc.nextPub.Load()).UTC(); !got.Equal(next) {
			t.Errorf("next publication %v, want %v", got, next)
		}
	})

	t.Run("OKGapRefreshes", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		fill(tc)
		tc.state.write("article/a") // its notification was lost
		tc.state.write("helpline/h")
		reads := tc.state.readCount()
		mustOutcome(t, tc.Notify(ctx, last(tc), true), NotifyRefreshed)
		if n := tc.state.readCount() - reads; n != 1 {
			t.Errorf("a gap read the state %d times, want 1", n)
		}
		if v := tc.version.Load(); v != 2 {
			t.Errorf("version %d, want 2", v)
		}
		tc.mustHave(t, keys, "/articles/b") // both writes applied, the lost one too
	})

	t.Run("OKOldVersionIgnored", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		tc.state.write("article/a")
		tc.sync(ctx, true) // this instance's own write, applied before its notification came
		fill(tc)
		reads := tc.state.readCount()
		mustOutcome(t, tc.Notify(ctx, last(tc), true), NotifyIgnored)
		mustOutcome(t, tc.Notify(ctx, Invalidation{Version: 1}, false), NotifyIgnored)
		if n := tc.state.readCount() - reads; n != 0 {
			t.Errorf("an old notification read the state %d times, want 0", n)
		}
		tc.mustHave(t, keys, keys...)
	})

	t.Run("OKTruncatedRefreshes", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		fill(tc)
		tc.state.write("article/a")
		reads := tc.state.readCount()
		// The tags did not fit in the notification: the version alone came.
		mustOutcome(t, tc.Notify(ctx, Invalidation{Version: 1}, false), NotifyRefreshed)
		if n := tc.state.readCount() - reads; n != 1 {
			t.Errorf("a notification without its tags read the state %d times, want 1", n)
		}
		tc.mustHave(t, keys, "/articles/b", "/helplines")
	})

	t.Run("OKUnreadableRefreshes", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		fill(tc)
		tc.state.write("helpline/h")
		mustOutcome(t, tc.Notify(ctx, Invalidation{}, false), NotifyRefreshed)
		tc.mustHave(t, keys, "/articles/a", "/articles/b")
	})

	t.Run("OKAnswerRenderedBeforeTheNotificationNotStored", func(t *testing.T) {
		// A request renders from the content before another instance's write; the
		// write's notification is applied before the request stores its answer.
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		before := tc.version.Load()
		tc.state.write("article/a")
		mustOutcome(t, tc.Notify(ctx, last(tc), true), NotifyApplied)
		tc.putAt("/articles/a", []byte("old a"), before, time.Time{}, "article/a")
		tc.putAt("/articles/b", []byte("b"), before, time.Time{}, "article/b")
		tc.putAt("/unsaid", []byte("x"), before, time.Time{}, tagAll)
		tc.mustHave(t, []string{"/articles/a", "/articles/b", "/unsaid"}, "/articles/b")
	})

	t.Run("OKFailedRefreshRetriedByTheNextRequest", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		fill(tc)
		tc.state.write("article/a")
		tc.state.write("article/b")
		tc.state.mu.Lock()
		tc.state.err = errors.New("connection refused")
		tc.state.mu.Unlock()
		mustOutcome(t, tc.Notify(ctx, last(tc), true), NotifyRefreshed)
		tc.state.mu.Lock()
		tc.state.err = nil
		tc.state.mu.Unlock()
		if v := tc.sync(ctx, false); v != 2 {
			t.Errorf("the request after a failed refresh knows version %d, want 2 (read at once, not an hour later)", v)
		}
		tc.mustHave(t, keys, "/helplines")
	})

	t.Run("OKResyncReadsWithinTheInterval", func(t *testing.T) {
		tc := mustNewTestCache(t, 64<<10, time.Hour)
		fill(tc)
		tc.state.write("article/a") // made while the listener was down
		tc.Resync(ctx)
		if v := tc.version.Load(); v != 1 {
			t.Errorf("version %d after Resync, want 1", v)
		}
		tc.mustHave(t, keys, "/articles/b", "/helplines")
	})
}
