package store

// Store-level tests of helplines: the seed's hours, verification_due against the
// configured period, and the list's ranking and cursor. The HTTP API is tested in
// api/helplines_test.go.

import (
	"context"
	"fmt"
	"reflect"
	"signpost/handlers"
	"signpost/models"
	"signpost/models/hours"
	"signpost/models/seed"
	"slices"
	"testing"
	"time"
)

// hlEpoch is Monday 1 February 2027, 10:00 UTC (GMT), when every seeded line is open.
var hlEpoch = time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)

// hlMustOpenStore opens a seeded store on a new database (internalTestDB) with a clock at
// hlEpoch and the verification period verifyAfter (0: the default).
func hlMustOpenStore(tb testing.TB, verifyAfter time.Duration) (*Store, *Clock) {
	tb.Helper()
	clock := NewClock(hlEpoch)
	s, err := Open(context.Background(), Config{DB: internalTestDB(tb), Now: clock.Now, VerifyAfter: verifyAfter, Render: handlers.Renderer{}})
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Seed(context.Background()); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return s, clock
}

func hlMustFind(tb testing.TB, s *Store, slug string, at time.Time) *models.Helpline {
	tb.Helper()
	h, err := s.FindHelpline(context.Background(), slug, at, models.Visibility{Editor: true})
	if err != nil {
		tb.Fatalf("find %s: %v", slug, err)
	}
	return h
}

func hlSlugsOf(hs []models.Helpline) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Slug
	}
	return out
}

// TestSeedHelplineHours checks that every seeded helpline carries its published
// hours, valid, as structure, and keeps them through the database; and that the
// channels whose hours are not published have hours of their own that are unknown
// (not the helpline's).
func TestSeedHelplineHours(t *testing.T) {
	everyDay := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	always := hours.Schedule{Timezone: "Europe/London", Weekly: []hours.Interval{{Days: everyDay, Opens: "00:00", Closes: "24:00"}}}
	tests := []struct {
		slug  string
		hours hours.Schedule
		text  string
		// unknown lists the types of the contacts whose own hours are unknown; the
		// other contacts follow the helpline.
		unknown []string
	}{
		{"stop-it-now", hours.Schedule{Timezone: "Europe/London", Weekly: []hours.Interval{
			{Days: []string{"mon", "tue", "wed", "thu"}, Opens: "09:00", Closes: "21:00"},
			{Days: []string{"fri"}, Opens: "09:00", Closes: "17:00"},
		}}, "Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)", []string{"webchat", "web"}},
		{"crimestoppers", always, "Open 24 hours, every day", nil},
		{"police-101", always, "Open 24 hours, every day", nil},
		{"emergency-999", always, "Open 24 hours, every day", nil},
	}
	seed := seed.Helplines()
	if got := hlSlugsOf(seed); !slices.Equal(got, []string{"stop-it-now", "crimestoppers", "police-101", "emergency-999"}) {
		t.Fatalf("seeded helplines %v", got)
	}
	s, _ := hlMustOpenStore(t, 0)
	for i, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			for _, h := range []models.Helpline{seed[i], *hlMustFind(t, s, tt.slug, time.Time{})} {
				if errs := h.Hours.Validate("opening_hours"); errs != nil {
					t.Errorf("hours are not valid: %v", errs)
				}
				if !reflect.DeepEqual(h.Hours, tt.hours) {
					t.Errorf("hours %+v, want %+v", h.Hours, tt.hours)
				}
				if got := h.Hours.Text(); got != tt.text {
					t.Errorf("text %q, want %q", got, tt.text)
				}
				for _, c := range h.Contacts {
					switch {
					case slices.Contains(tt.unknown, c.Type):
						if c.Hours == nil || !c.Hours.IsZero() {
							t.Errorf("%s %q: hours %+v, want unknown (non-nil and empty)", c.Type, c.Label, c.Hours)
						}
					case c.Hours != nil:
						t.Errorf("%s %q: hours of its own %+v, want the helpline's (nil)", c.Type, c.Label, c.Hours)
					}
				}
			}
		})
	}
}

// TestHelplineVerificationDue checks verification_due against the store's period
// (VerifyAfter, default 180 days), and that the item, the list and HelplinesDue
// agree, whatever offset the time of the last check was written with.
func TestHelplineVerificationDue(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name        string
		verifyAfter time.Duration
		age         time.Duration // how long ago the line was checked; -1 for never
		due         bool
	}{
		{"NeverVerifiedDue", 0, -1, true},
		{"TenDaysNotDue", 0, 10 * day, false},
		{"Exactly180DaysNotDue", 0, 180 * day, false},
		{"Over180DaysDue", 0, 180*day + time.Second, true},
		{"TwoHundredDaysDue", 0, 200 * day, true},
		{"FiveDayPeriodTenDaysDue", 5 * day, 10 * day, true},
		{"FiveDayPeriodFourDaysNotDue", 5 * day, 4 * day, false},
		{"FiveDayPeriodNeverDue", 5 * day, -1, true},
	}
	zones := []*time.Location{time.UTC, time.FixedZone("UTC-10", -10*3600), time.FixedZone("UTC+14", 14*3600)}
	for _, tt := range tests {
		for _, zone := range zones {
			t.Run(tt.name+"/"+zone.String(), func(t *testing.T) {
				ctx := context.Background()
				s, _ := hlMustOpenStore(t, tt.verifyAfter)
				h := hlMustFind(t, s, "crimestoppers", time.Time{})
				h.LastVerifiedAt = nil
				if tt.age >= 0 {
					v := hlEpoch.Add(-tt.age).In(zone)
					h.LastVerifiedAt = &v
				}
				if _, err := s.ReplaceHelpline(ctx, "test", "crimestoppers", h, 0); err != nil {
					t.Fatalf("replace: %v", err)
				}
				got := hlMustFind(t, s, "crimestoppers", time.Time{})
				if got.VerificationDue != tt.due {
					t.Errorf("item verification_due %v, want %v (last verified %v)", got.VerificationDue, tt.due, got.LastVerifiedAt)
				}
				page, err := s.FindHelplines(ctx, models.HelplineFilter{})
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range page.Items {
					if l.Slug == "crimestoppers" && l.VerificationDue != tt.due {
						t.Errorf("list verification_due %v, want %v", l.VerificationDue, tt.due)
					}
				}
				due, err := s.HelplinesDue(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if slices.Contains(hlSlugsOf(due), "crimestoppers") != tt.due {
					t.Errorf("HelplinesDue %v: crimestoppers listed %v, want %v", hlSlugsOf(due), !tt.due, tt.due)
				}
				for _, l := range due {
					if !l.VerificationDue {
						t.Errorf("HelplinesDue lists %s with verification_due false", l.Slug)
					}
				}
			})
		}
	}
}

// TestFindHelplinesRanking checks the order (open lines first, then by name), that
// open_now and next_change_at are computed for At, and that a cursor keeps the moment
// its list was ranked for, so that the clock moving between pages neither loses nor
// repeats a line.
func TestFindHelplinesRanking(t *testing.T) {
	ctx := context.Background()
	s, clock := hlMustOpenStore(t, 0)
	// A line whose name sorts first, open at night only.
	night := &models.Helpline{Slug: "abbey-night-line", Name: "Abbey night line", Status: models.StatusPublished,
		Coverage: []models.Ref{{Slug: "united-kingdom"}}, Contacts: []models.Contact{{Type: "phone", Value: "0800 555 111"}},
		Hours: hours.Schedule{Timezone: "Europe/London", Weekly: []hours.Interval{{
			Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Opens: "22:00", Closes: "02:00", Overnight: true}}}}
	if _, err := s.CreateHelpline(ctx, "test", night); err != nil {
		t.Fatalf("create: %v", err)
	}

	t.Run("OrderAtMoments", func(t *testing.T) {
		tests := []struct {
			name string
			at   time.Time
			want []string
		}{
			{"Day", hlEpoch, []string{"crimestoppers", "emergency-999", "police-101", "stop-it-now", "abbey-night-line"}},
			{"Night", time.Date(2027, 2, 1, 23, 0, 0, 0, time.UTC), []string{"abbey-night-line", "crimestoppers", "emergency-999", "police-101", "stop-it-now"}},
			{"Weekend", time.Date(2027, 2, 6, 12, 0, 0, 0, time.UTC), []string{"crimestoppers", "emergency-999", "police-101", "abbey-night-line", "stop-it-now"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := s.FindHelplines(ctx, models.HelplineFilter{At: tt.at})
				if err != nil {
					t.Fatal(err)
				}
				if got := hlSlugsOf(page.Items); !slices.Equal(got, tt.want) {
					t.Errorf("order %v, want %v", got, tt.want)
				}
				for _, h := range page.Items {
					open, next := h.Hours.State(tt.at)
					if h.OpenNow != open || !reflect.DeepEqual(h.NextChangeAt, next) {
						t.Errorf("%s: open_now %v next %v, want %v %v", h.Slug, h.OpenNow, h.NextChangeAt, open, next)
					}
				}
			})
		}
	})

	t.Run("CursorKeepsMoment", func(t *testing.T) {
		tests := []struct {
			name          string
			start, moveTo time.Time
			want          []string
		}{
			{"StopItNowOpens", time.Date(2027, 2, 8, 8, 59, 59, 0, time.UTC), time.Date(2027, 2, 8, 9, 0, 0, 0, time.UTC),
				[]string{"crimestoppers", "emergency-999", "police-101", "abbey-night-line", "stop-it-now"}},
			{"StopItNowCloses", time.Date(2027, 2, 8, 20, 59, 59, 0, time.UTC), time.Date(2027, 2, 8, 21, 0, 0, 0, time.UTC),
				[]string{"crimestoppers", "emergency-999", "police-101", "stop-it-now", "abbey-night-line"}},
		}
		for _, tt := range tests {
			for after := 1; after < len(tt.want); after++ {
				t.Run(fmt.Sprintf("%sAfterPage%d", tt.name, after), func(t *testing.T) {
					clock.Set(tt.start)
					defer clock.Set(hlEpoch)
					var got []string
					cursor := ""
					for n := 0; ; n++ {
						if n == after {
							clock.Set(tt.moveTo)
						}
						page, err := s.FindHelplines(ctx, models.HelplineFilter{Limit: 1, Cursor: cursor})
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, hlSlugsOf(page.Items)...)
						if cursor = page.NextCursor; cursor == "" || n > 10 {
							break
						}
					}
					if !slices.Equal(got, tt.want) {
						t.Errorf("moved after page %d: walk %v, want %v", after, got, tt.want)
					}
				})
			}
		}
	})
}

// TestEssentialsHelplines checks the store's essentials: emergency lines first,
// then the lines serving a whole country, published only.
func TestEssentialsHelplines(t *testing.T) {
	ctx := context.Background()
	s, _ := hlMustOpenStore(t, 0)
	create := func(slug, name, coverage, status string) {
		t.Helper()
		h := &models.Helpline{Slug: slug, Name: name, Status: status, Coverage: []models.Ref{{Slug: coverage}},
			Contacts: []models.Contact{{Type: "phone", Value: "0800 555 111"}}}
		if _, err := s.CreateHelpline(ctx, "test", h); err != nil {
			t.Fatalf("create %s: %v", slug, err)
		}
	}
	create("kent-line", "A Kent line", "kent", models.StatusPublished)
	create("wales-line", "A Wales line", "wales", models.StatusPublished)
	create("ireland-line", "Ireland line", "ireland", models.StatusPublished)
	create("draft-line", "A draft line", "united-kingdom", models.StatusDraft)
	got, err := s.Essentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"emergency-999", "crimestoppers", "ireland-line", "police-101", "stop-it-now"}
	if !slices.Equal(hlSlugsOf(got), want) {
		t.Errorf("essentials %v, want %v", hlSlugsOf(got), want)
	}
}
