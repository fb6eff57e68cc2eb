package handlers

import (
	"fmt"
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	t0 := time.Date(2027, time.February, 1, 10, 0, 0, 0, time.UTC)

	t.Run("OKBounded", func(t *testing.T) {
		b := newBuckets(60, 3)
		for i := range 10 {
			b.take(fmt.Sprint("198.51.100.", i), t0)
		}
		if n := b.len(); n != 3 {
			t.Fatalf("%d clients tracked, want at most 3", n)
		}
	})

	t.Run("OKLeastRecentlyUsedGoes", func(t *testing.T) {
		b := newBuckets(60, 2)
		b.take("a", t0)
		b.take("a", t0)
		b.take("b", t0)
		b.take("a", t0) // a is now the most recently used
		b.take("c", t0) // so b goes
		if q := b.take("a", t0); q.remaining != 56 {
			t.Errorf("a: remaining %d, want 56 (its bucket kept)", q.remaining)
		}
		if _, ok := b.byID["b"]; ok {
			t.Error("b is still tracked")
		}
	})

	t.Run("OKIdleForgotten", func(t *testing.T) {
		b := newBuckets(60, 100)
		for i := range 10 {
			b.take(fmt.Sprint(i), t0)
		}
		b.take("late", t0.Add(30*time.Second))
		// A minute after their last request the first ten are full again: forgetting
		// them changes nothing, and the next request (from anyone) does it.
		b.take("late", t0.Add(time.Minute))
		if n := b.len(); n != 1 {
			t.Errorf("%d clients tracked, want 1", n)
		}
	})

	t.Run("OKRefill", func(t *testing.T) {
		b := newBuckets(2, 10) // one every 30 s
		if q := b.take("a", t0); !q.ok || q.remaining != 1 || q.reset != 30*time.Second {
			t.Errorf("first: %+v", q)
		}
		b.take("a", t0)
		q := b.take("a", t0.Add(10*time.Second))
		if q.ok || q.remaining != 0 || q.retryAfter != 20*time.Second || q.reset != 50*time.Second {
			t.Errorf("over the limit: %+v", q)
		}
		if q := b.take("a", t0.Add(30*time.Second)); !q.ok || q.remaining != 0 {
			t.Errorf("after 30 s: %+v", q)
		}
	})

	t.Run("OKDisabled", func(t *testing.T) {
		if b := newBuckets(0, 10); b != nil {
			t.Error("a limit of 0 makes buckets")
		}
	})
}

func TestClientID(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.7":         "198.51.100.7",
		"::ffff:198.51.100.7":  "198.51.100.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2::9":      "2001:db8:1:2::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
	} {
		if got := clientID(in); got != want {
			t.Errorf("clientID(%q) = %q, want %q", in, got, want)
		}
	}
}
