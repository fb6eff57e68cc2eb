package store_test

import (
	"context"
	"testing"
	"time"

	"signpost/models"
)

// TestStoredTimesMicroseconds proves that both stores keep times to the microsecond,
// the finest PostgreSQL keeps: a clock and an input time with nanoseconds come back
// cut to the microsecond from the write and from a later read alike.
func TestStoredTimesMicroseconds(t *testing.T) {
	ctx := context.Background()
	s, c := MustOpenStore(t, true)
	at := epoch.Add(time.Hour + 123456789*time.Nanosecond)
	c.Set(at)
	want := epoch.Add(time.Hour + 123456*time.Microsecond)
	o, err := s.CreateOrganisation(ctx, "ed", &models.Organisation{Name: "Precise organisation", Kind: "charity"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.CreatedAt.Equal(want) || !o.UpdatedAt.Equal(want) {
		t.Errorf("written: created %s updated %s, want %s", o.CreatedAt, o.UpdatedAt, want)
	}
	read, err := s.FindOrganisation(ctx, o.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if !read.CreatedAt.Equal(want) {
		t.Errorf("read: created %s, want %s", read.CreatedAt, want)
	}

	h, err := s.FindHelpline(ctx, "stop-it-now", time.Time{}, models.Visibility{Editor: true})
	if err != nil {
		t.Fatal(err)
	}
	verified := epoch.Add(-time.Hour + 987654321*time.Nanosecond)
	h.LastVerifiedAt = &verified
	out, err := s.ReplaceHelpline(ctx, "ed", h.Slug, h, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantVerified := epoch.Add(-time.Hour + 987654*time.Microsecond)
	if out.LastVerifiedAt == nil || !out.LastVerifiedAt.Equal(wantVerified) {
		t.Errorf("last_verified_at written %v, want %s", out.LastVerifiedAt, wantVerified)
	}
	again, err := s.FindHelpline(ctx, "stop-it-now", time.Time{}, models.Visibility{Editor: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.LastVerifiedAt == nil || !again.LastVerifiedAt.Equal(wantVerified) {
		t.Errorf("last_verified_at read %v, want %s", again.LastVerifiedAt, wantVerified)
	}
}
