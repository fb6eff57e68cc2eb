package main

// End-to-end tests of the issue "Helplines that are right now": opening hours as
// structure and text, open_now and next_change_at at request time (per helpline and
// per channel, at the exact instants, across the UK clock changes, on exception days
// and across midnight), the list's filters and order, channels, trust facts,
// freshness, the essentials bundle and the validation of hours on writes. Every
// request goes through the shared helpers of app_test.go, so every response is also
// checked against the OpenAPI document.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/handlers"
	"signpost/models"
)

// Moments used throughout, in UTC. London is on GMT (UTC+0) from the last Sunday of
// October to the last Sunday of March and on BST (UTC+1) in between; in 2027 the
// clocks go forward on Sunday 28 March and back on Sunday 31 October.
var (
	hlMonOpen      = time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)   // Monday 10:00 GMT: Stop It Now! open
	hlSatClosed    = time.Date(2027, 2, 6, 12, 0, 0, 0, time.UTC)   // Saturday noon: Stop It Now! closed
	hlMonNight     = time.Date(2027, 2, 1, 23, 0, 0, 0, time.UTC)   // Monday 23:00 GMT: Stop It Now! closed
	hlMonBefore9   = time.Date(2027, 2, 8, 8, 59, 59, 0, time.UTC)  // one second before Stop It Now! opens (the seed is published at testEpoch)
	hlMonBefore9pm = time.Date(2027, 2, 1, 20, 59, 59, 0, time.UTC) // one second before it closes
)

// hlEditor creates an editor key and returns the Authorization header pair for it.
func hlEditor(t *testing.T, app *testApp) []string {
	t.Helper()
	k, err := app.Store.CreateKey(context.Background(), fmt.Sprintf("hl-editor-%d", time.Now().UnixNano()), models.ScopeEditor)
	if err != nil {
		t.Fatalf("create editor key: %v", err)
	}
	return []string{"Authorization", "Bearer " + k}
}

// hlGet reads one helpline and fails unless the answer is 200.
func hlGet(t *testing.T, app *testApp, path string, headers ...string) handlers.Helpline {
	t.Helper()
	var it handlers.HelplineItem
	resp := app.GetJSON(t, path, &it, headers...)
	MustStatus(t, resp, http.StatusOK)
	return it.Data
}

// hlList reads a page of helplines and fails unless the answer is 200.
func hlList(t *testing.T, app *testApp, path string, headers ...string) handlers.HelplineList {
	t.Helper()
	var l handlers.HelplineList
	resp := app.GetJSON(t, path, &l, headers...)
	MustStatus(t, resp, http.StatusOK)
	return l
}

func hlSlugs(hs []handlers.Helpline) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Slug
	}
	return out
}

func hlFind(t *testing.T, hs []handlers.Helpline, slug string) handlers.Helpline {
	t.Helper()
	for _, h := range hs {
		if h.Slug == slug {
			return h
		}
	}
	t.Fatalf("%s is not in %v", slug, hlSlugs(hs))
	return handlers.Helpline{}
}

// hlContact returns the helpline's contact with the label.
func hlContact(t *testing.T, h handlers.Helpline, label string) handlers.Contact {
	t.Helper()
	for _, c := range h.Contacts {
		if c.Label == label {
			return c
		}
	}
	t.Fatalf("%s has no contact labelled %q", h.Slug, label)
	return handlers.Contact{}
}

// hlState renders open_now and next_change_at as one comparable string, such as
// "open until 2027-02-01T21:00:00Z", "closed until …", "open for good" or "unknown".
func hlState(open *bool, next *time.Time) string {
	switch {
	case open == nil && next == nil:
		return "unknown"
	case open == nil:
		return "unknown until " + next.UTC().Format(time.RFC3339)
	}
	s := "closed"
	if *open {
		s = "open"
	}
	if next == nil {
		return s + " for good"
	}
	return s + " until " + next.UTC().Format(time.RFC3339)
}

func hlCheck[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func hlCheckSlices[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// hlInput is a valid, published helpline with one phone line, serving the UK.
func hlInput(slug, name string, hours *handlers.OpeningHours, contacts ...handlers.ContactInput) handlers.HelplineInput {
	if len(contacts) == 0 {
		contacts = []handlers.ContactInput{{Type: "phone", Label: "Phone", Value: "0800 555 111"}}
	}
	return handlers.HelplineInput{
		Slug: slug, Name: name, Description: "A line made by a test.", Coverage: []string{"united-kingdom"},
		Contacts: contacts, OpeningHours: hours, Status: models.StatusPublished, Languages: []string{"en"},
	}
}

// hlCreate creates a helpline through the API and returns it as the API shows it.
func hlCreate(t *testing.T, app *testApp, auth []string, in handlers.HelplineInput) handlers.Helpline {
	t.Helper()
	var it handlers.HelplineItem
	resp := app.DoJSON(t, http.MethodPost, "/api/v1/helplines", in, &it, auth...)
	MustStatus(t, resp, http.StatusCreated)
	return it.Data
}

// hlPatch applies a merge patch to a helpline and returns the response.
func hlPatch(t *testing.T, app *testApp, auth []string, slug string, patch any) *http.Response {
	t.Helper()
	return app.DoJSON(t, http.MethodPatch, "/api/v1/helplines/"+slug, patch, nil, auth...)
}

func hlWeek(days string, opens, closes string) handlers.WeeklyInterval {
	return handlers.WeeklyInterval{Days: strings.Split(days, ","), Opens: opens, Closes: closes}
}

const hlWeekdays = "mon,tue,wed,thu,fri"
const hlEveryDay = "mon,tue,wed,thu,fri,sat,sun"

// hlNightLine has hours that run past midnight every night, and two dated
// exceptions at Christmas: shorter evening hours on Christmas Eve, closed on
// Christmas Day.
func hlNightLine() *handlers.OpeningHours {
	night := hlWeek(hlEveryDay, "22:00", "02:00")
	night.Overnight = true
	return &handlers.OpeningHours{
		Timezone: "Europe/London",
		Weekly:   []handlers.WeeklyInterval{night},
		Exceptions: []handlers.HoursException{
			{Date: "2027-12-24", Opens: "18:00", Closes: "23:00", Note: "Christmas Eve"},
			{Date: "2027-12-25", Closed: true, Note: "Christmas Day"},
		},
	}
}

// TestHelplinesHours checks that opening hours are structure with an IANA time zone,
// that overnight intervals, 24/7 and dated exceptions are kept as written, that the
// text the API shows is generated from them, and that a channel's own hours override
// the helpline's.
func TestHelplinesHours(t *testing.T) {
	app := MustStartApp(t)
	auth := hlEditor(t, app)

	t.Run("OKStopItNowTextInListAndItem", func(t *testing.T) {
		const want = "Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)"
		h := hlGet(t, app, "/api/v1/helplines/stop-it-now")
		hlCheck(t, "hours_text", h.HoursText, want)
		hlCheck(t, "opening_hours.timezone", h.OpeningHours.Timezone, "Europe/London")
		// The phone lines have no hours of their own: the helpline's text applies.
		hlCheck(t, "phone hours_text", hlContact(t, h, "Helpline (UK)").HoursText, want)
		l := hlList(t, app, "/api/v1/helplines")
		hlCheck(t, "list hours_text", hlFind(t, l.Data, "stop-it-now").HoursText, want)
	})

	t.Run("OKAlwaysOpen", func(t *testing.T) {
		for _, slug := range []string{"crimestoppers", "police-101", "emergency-999"} {
			h := hlGet(t, app, "/api/v1/helplines/"+slug)
			hlCheck(t, slug+" hours_text", h.HoursText, "Open 24 hours, every day")
			hlCheck(t, slug+" state", hlState(h.OpenNow, h.NextChangeAt), "open for good")
			for _, c := range h.Contacts {
				hlCheck(t, slug+" "+c.Label+" state", hlState(c.OpenNow, c.NextChangeAt), "open for good")
			}
		}
	})

	t.Run("OKOvernightAndExceptionsKeptAndDescribed", func(t *testing.T) {
		h := hlCreate(t, app, auth, hlInput("night-line", "Night line", hlNightLine()))
		got := hlGet(t, app, "/api/v1/helplines/night-line")
		for _, h := range []handlers.Helpline{h, got} {
			oh := h.OpeningHours
			if oh == nil || len(oh.Weekly) != 1 || len(oh.Exceptions) != 2 {
				t.Fatalf("opening_hours %+v", oh)
			}
			hlCheck(t, "timezone", oh.Timezone, "Europe/London")
			hlCheck(t, "weekly[0].overnight", oh.Weekly[0].Overnight, true)
			hlCheck(t, "weekly[0]", oh.Weekly[0].Opens+"-"+oh.Weekly[0].Closes, "22:00-02:00")
			hlCheckSlices(t, "weekly[0].days", oh.Weekly[0].Days, strings.Split(hlEveryDay, ","))
			hlCheck(t, "exceptions[0]", fmt.Sprintf("%+v", oh.Exceptions[0]), fmt.Sprintf("%+v",
				handlers.HoursException{Date: "2027-12-24", Opens: "18:00", Closes: "23:00", Note: "Christmas Eve"}))
			hlCheck(t, "exceptions[1]", fmt.Sprintf("%+v", oh.Exceptions[1]), fmt.Sprintf("%+v",
				handlers.HoursException{Date: "2027-12-25", Closed: true, Note: "Christmas Day"}))
			hlCheck(t, "hours_text", h.HoursText,
				"Every day 10pm–2am (UK time); 24 December 2027 (Christmas Eve): 6pm–11pm; Closed on 25 December 2027 (Christmas Day)")
		}
	})

	t.Run("OKOtherTimeZoneNamed", func(t *testing.T) {
		hours := &handlers.OpeningHours{Timezone: "Europe/Dublin", Weekly: []handlers.WeeklyInterval{hlWeek(hlWeekdays, "09:00", "17:30")}}
		h := hlCreate(t, app, auth, hlInput("dublin-line", "Dublin line", hours))
		hlCheck(t, "timezone", h.OpeningHours.Timezone, "Europe/Dublin")
		hlCheck(t, "hours_text", h.HoursText, "Monday to Friday 9am–5:30pm (Europe/Dublin)")
	})

	t.Run("OKTimeZoneDefaultsToLondon", func(t *testing.T) {
		hours := &handlers.OpeningHours{Weekly: []handlers.WeeklyInterval{hlWeek("sat,sun", "10:00", "16:00")}}
		h := hlCreate(t, app, auth, hlInput("weekend-line", "Weekend line", hours))
		hlCheck(t, "timezone", h.OpeningHours.Timezone, "Europe/London")
		hlCheck(t, "hours_text", h.HoursText, "Saturday and Sunday 10am–4pm (UK time)")
	})

	t.Run("OKChannelHoursOverrideHelplineHours", func(t *testing.T) {
		chat := &handlers.OpeningHours{Timezone: "Europe/London", Weekly: []handlers.WeeklyInterval{hlWeek(hlWeekdays, "12:00", "14:00")}}
		in := hlInput("two-hours-line", "Two hours line",
			&handlers.OpeningHours{Timezone: "Europe/London", Weekly: []handlers.WeeklyInterval{hlWeek(hlWeekdays, "09:00", "21:00")}},
			handlers.ContactInput{Type: "phone", Label: "Phone", Value: "0800 555 111"},
			handlers.ContactInput{Type: "webchat", Label: "Chat", Value: "https://example.org/chat", OpeningHours: chat},
			handlers.ContactInput{Type: "email", Label: "Email", Value: "help@example.org"},
		)
		hlCreate(t, app, auth, in)
		tests := []struct {
			name                 string
			at                   time.Time
			line, phone, webchat string
		}{
			{"MorningChatClosed", hlMonOpen,
				"open until 2027-02-01T21:00:00Z", "open until 2027-02-01T21:00:00Z", "closed until 2027-02-01T12:00:00Z"},
			{"ChatOpensAtNoon", time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC),
				"open until 2027-02-01T21:00:00Z", "open until 2027-02-01T21:00:00Z", "open until 2027-02-01T14:00:00Z"},
			{"ChatClosesAtTwo", time.Date(2027, 2, 1, 14, 0, 0, 0, time.UTC),
				"open until 2027-02-01T21:00:00Z", "open until 2027-02-01T21:00:00Z", "closed until 2027-02-02T12:00:00Z"},
			{"EveningAllClosed", time.Date(2027, 2, 1, 21, 0, 0, 0, time.UTC),
				"closed until 2027-02-02T09:00:00Z", "closed until 2027-02-02T09:00:00Z", "closed until 2027-02-02T12:00:00Z"},
			{"FridayChatThenWeekend", time.Date(2027, 2, 5, 14, 0, 0, 0, time.UTC),
				"open until 2027-02-05T21:00:00Z", "open until 2027-02-05T21:00:00Z", "closed until 2027-02-08T12:00:00Z"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				check := func(t *testing.T, h handlers.Helpline) {
					t.Helper()
					hlCheck(t, "helpline", hlState(h.OpenNow, h.NextChangeAt), tt.line)
					hlCheck(t, "phone", hlState(hlContact(t, h, "Phone").OpenNow, hlContact(t, h, "Phone").NextChangeAt), tt.phone)
					// The e-mail channel has no hours of its own either.
					hlCheck(t, "email", hlState(hlContact(t, h, "Email").OpenNow, hlContact(t, h, "Email").NextChangeAt), tt.phone)
					chat := hlContact(t, h, "Chat")
					hlCheck(t, "webchat", hlState(chat.OpenNow, chat.NextChangeAt), tt.webchat)
					hlCheck(t, "webchat hours_text", chat.HoursText, "Monday to Friday 12pm–2pm (UK time)")
					if chat.OpeningHours == nil || chat.OpeningHours.Weekly[0].Opens != "12:00" {
						t.Errorf("webchat opening_hours %+v, want its own", chat.OpeningHours)
					}
					if c := hlContact(t, h, "Phone"); c.OpeningHours != nil {
						t.Errorf("phone opening_hours %+v, want null (the helpline's apply)", c.OpeningHours)
					}
				}
				app.Clock.Set(tt.at)
				defer app.Clock.Set(testEpoch)
				t.Run("ClockItem", func(t *testing.T) { check(t, hlGet(t, app, "/api/v1/helplines/two-hours-line")) })
				t.Run("ClockList", func(t *testing.T) {
					check(t, hlFind(t, hlList(t, app, "/api/v1/helplines?channel=webchat").Data, "two-hours-line"))
				})
				app.Clock.Set(time.Date(2027, 6, 15, 3, 0, 0, 0, time.UTC)) // far from every case
				at := url.QueryEscape(tt.at.Format(time.RFC3339))
				t.Run("AtItem", func(t *testing.T) { check(t, hlGet(t, app, "/api/v1/helplines/two-hours-line?at="+at)) })
				t.Run("AtList", func(t *testing.T) {
					check(t, hlFind(t, hlList(t, app, "/api/v1/helplines?at="+at).Data, "two-hours-line"))
				})
			})
		}
	})

	t.Run("OKUnknownChannelHoursAreNull", func(t *testing.T) {
		h := hlGet(t, app, "/api/v1/helplines/stop-it-now")
		for _, label := range []string{"Live chat", "Secure email"} {
			c := hlContact(t, h, label)
			hlCheck(t, label+" state", hlState(c.OpenNow, c.NextChangeAt), "unknown")
			hlCheck(t, label+" hours_text", c.HoursText, "")
		}
	})
}

// TestHelplinesOpenNow checks open_now and next_change_at through the HTTP API at
// the exact opening and closing instants, across the 2027 clock changes, on exception
// days and across midnight, both with the server's clock pinned and with at=.
func TestHelplinesOpenNow(t *testing.T) {
	app := MustStartApp(t)
	hlCreate(t, app, hlEditor(t, app), hlInput("night-line", "Night line", hlNightLine()))

	tests := []struct {
		name, slug string
		at         time.Time
		want       string
	}{
		// Spring: on Monday 29 March London is on BST, so 09:00 local is 08:00 UTC.
		{"StopItNowClosedJustBeforeOpeningAfterSpringChange", "stop-it-now", time.Date(2027, 3, 29, 7, 59, 59, 0, time.UTC), "closed until 2027-03-29T08:00:00Z"},
		{"StopItNowOpenAtOpeningAfterSpringChange", "stop-it-now", time.Date(2027, 3, 29, 8, 0, 0, 0, time.UTC), "open until 2027-03-29T20:00:00Z"},
		{"StopItNowOpenJustBeforeClosingBST", "stop-it-now", time.Date(2027, 3, 29, 19, 59, 59, 0, time.UTC), "open until 2027-03-29T20:00:00Z"},
		{"StopItNowClosedAtClosingBST", "stop-it-now", time.Date(2027, 3, 29, 20, 0, 0, 0, time.UTC), "closed until 2027-03-30T08:00:00Z"},
		{"StopItNowOpenFridayBeforeSpringChange", "stop-it-now", time.Date(2027, 3, 26, 16, 59, 59, 0, time.UTC), "open until 2027-03-26T17:00:00Z"},
		{"StopItNowClosedFridayOpensInBST", "stop-it-now", time.Date(2027, 3, 26, 17, 0, 0, 0, time.UTC), "closed until 2027-03-29T08:00:00Z"},
		{"StopItNowClosedInSkippedHour", "stop-it-now", time.Date(2027, 3, 28, 1, 30, 0, 0, time.UTC), "closed until 2027-03-29T08:00:00Z"},
		// Autumn: BST until Sunday 31 October, GMT from then on.
		{"StopItNowClosedThursdayBeforeAutumnChange", "stop-it-now", time.Date(2027, 10, 28, 20, 0, 0, 0, time.UTC), "closed until 2027-10-29T08:00:00Z"},
		{"StopItNowOpenFridayBeforeAutumnChange", "stop-it-now", time.Date(2027, 10, 29, 15, 59, 59, 0, time.UTC), "open until 2027-10-29T16:00:00Z"},
		{"StopItNowClosedFridayOpensInGMT", "stop-it-now", time.Date(2027, 10, 29, 16, 0, 0, 0, time.UTC), "closed until 2027-11-01T09:00:00Z"},
		{"StopItNowClosedInRepeatedHour", "stop-it-now", time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC), "closed until 2027-11-01T09:00:00Z"},
		{"StopItNowClosedJustBeforeOpeningAfterAutumnChange", "stop-it-now", time.Date(2027, 11, 1, 8, 59, 59, 0, time.UTC), "closed until 2027-11-01T09:00:00Z"},
		{"StopItNowOpenAtOpeningAfterAutumnChange", "stop-it-now", time.Date(2027, 11, 1, 9, 0, 0, 0, time.UTC), "open until 2027-11-01T21:00:00Z"},
		// Across midnight and the weekend, in winter.
		{"StopItNowClosedThursdayMidnight", "stop-it-now", time.Date(2027, 2, 4, 23, 59, 59, 0, time.UTC), "closed until 2027-02-05T09:00:00Z"},
		{"StopItNowClosedFridayAtFive", "stop-it-now", time.Date(2027, 2, 5, 17, 0, 0, 0, time.UTC), "closed until 2027-02-08T09:00:00Z"},
		{"StopItNowClosedSunday", "stop-it-now", time.Date(2027, 2, 7, 12, 0, 0, 0, time.UTC), "closed until 2027-02-08T09:00:00Z"},
		// A line open overnight, every night, with Christmas exceptions (GMT).
		{"NightClosedJustBeforeOpening", "night-line", time.Date(2027, 12, 23, 21, 59, 59, 0, time.UTC), "closed until 2027-12-23T22:00:00Z"},
		{"NightOpenAtOpening", "night-line", time.Date(2027, 12, 23, 22, 0, 0, 0, time.UTC), "open until 2027-12-24T02:00:00Z"},
		{"NightOpenAcrossMidnight", "night-line", time.Date(2027, 12, 24, 0, 0, 0, 0, time.UTC), "open until 2027-12-24T02:00:00Z"},
		{"NightOpenJustBeforeClosingNextDay", "night-line", time.Date(2027, 12, 24, 1, 59, 59, 0, time.UTC), "open until 2027-12-24T02:00:00Z"},
		{"NightClosedAtClosingThenExceptionHours", "night-line", time.Date(2027, 12, 24, 2, 0, 0, 0, time.UTC), "closed until 2027-12-24T18:00:00Z"},
		{"NightOpenOnExceptionDay", "night-line", time.Date(2027, 12, 24, 18, 0, 0, 0, time.UTC), "open until 2027-12-24T23:00:00Z"},
		{"NightClosedAfterExceptionHoursAndOverClosedDay", "night-line", time.Date(2027, 12, 24, 23, 0, 0, 0, time.UTC), "closed until 2027-12-26T22:00:00Z"},
		{"NightClosedOnClosedDay", "night-line", time.Date(2027, 12, 25, 23, 0, 0, 0, time.UTC), "closed until 2027-12-26T22:00:00Z"},
		// The night of the spring change is an hour shorter, that of the autumn change
		// an hour longer: 22:00 to 02:00 local either way.
		{"NightOpenBeforeSpringChange", "night-line", time.Date(2027, 3, 28, 0, 30, 0, 0, time.UTC), "open until 2027-03-28T01:00:00Z"},
		{"NightClosedAfterSpringChange", "night-line", time.Date(2027, 3, 28, 1, 0, 0, 0, time.UTC), "closed until 2027-03-28T21:00:00Z"},
		{"NightOpenInRepeatedHour", "night-line", time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC), "open until 2027-10-31T02:00:00Z"},
		{"NightOpenedInBSTBeforeAutumnChange", "night-line", time.Date(2027, 10, 30, 21, 0, 0, 0, time.UTC), "open until 2027-10-31T02:00:00Z"},
		{"NightClosedJustBeforeOpeningInBST", "night-line", time.Date(2027, 10, 30, 20, 59, 59, 0, time.UTC), "closed until 2027-10-30T21:00:00Z"},
	}
	// The clock for the at= requests is far from every case, so that a server that
	// ignored at would fail them.
	const elsewhere = "2027-06-15T03:00:00Z"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(t *testing.T, h handlers.Helpline) {
				t.Helper()
				hlCheck(t, "helpline", hlState(h.OpenNow, h.NextChangeAt), tt.want)
				// Each channel without hours of its own follows the helpline.
				hlCheck(t, "contacts[0]", hlState(h.Contacts[0].OpenNow, h.Contacts[0].NextChangeAt), tt.want)
			}
			at := url.QueryEscape(tt.at.Format(time.RFC3339))
			app.Clock.Set(tt.at)
			t.Run("ClockItem", func(t *testing.T) { check(t, hlGet(t, app, "/api/v1/helplines/"+tt.slug)) })
			t.Run("ClockList", func(t *testing.T) { check(t, hlFind(t, hlList(t, app, "/api/v1/helplines").Data, tt.slug)) })
			t.Run("ClockOpenNowFilter", func(t *testing.T) {
				l := hlList(t, app, "/api/v1/helplines?open_now=true")
				hlCheck(t, "listed by open_now=true", slices.Contains(hlSlugs(l.Data), tt.slug), strings.HasPrefix(tt.want, "open"))
			})
			e, _ := time.Parse(time.RFC3339, elsewhere)
			app.Clock.Set(e)
			t.Run("AtItem", func(t *testing.T) { check(t, hlGet(t, app, "/api/v1/helplines/"+tt.slug+"?at="+at)) })
			t.Run("AtList", func(t *testing.T) { check(t, hlFind(t, hlList(t, app, "/api/v1/helplines?at="+at).Data, tt.slug)) })
			t.Run("AtListWithOffset", func(t *testing.T) {
				// The same instant written in another offset.
				local := url.QueryEscape(tt.at.In(time.FixedZone("", -5*3600)).Format(time.RFC3339))
				check(t, hlFind(t, hlList(t, app, "/api/v1/helplines?at="+local).Data, tt.slug))
			})
		})
	}

	t.Run("OKAtAsEditor", func(t *testing.T) {
		// An editor reading one helpline sees open_now for at too, not for now.
		auth := hlEditor(t, app)
		app.Clock.Set(hlMonOpen)
		h := hlGet(t, app, "/api/v1/helplines/stop-it-now?at="+url.QueryEscape(hlSatClosed.Format(time.RFC3339)), auth...)
		hlCheck(t, "helpline", hlState(h.OpenNow, h.NextChangeAt), "closed until 2027-02-08T09:00:00Z")
	})
}

// TestHelplinesFilters checks the list's filters: open_now, at, channel, topic,
// audience, and region through the region tree.
func TestHelplinesFilters(t *testing.T) {
	app := MustStartApp(t)
	all := []string{"crimestoppers", "emergency-999", "police-101", "stop-it-now"}
	always := []string{"crimestoppers", "emergency-999", "police-101"}
	atClosed := url.QueryEscape(hlSatClosed.Format(time.RFC3339))
	atOpen := url.QueryEscape(hlMonOpen.Format(time.RFC3339))

	type filterCase struct {
		name  string
		clock time.Time
		path  string
		want  []string
	}
	run := func(t *testing.T, tests []filterCase) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				app.Clock.Set(tt.clock)
				hlCheckSlices(t, tt.path, hlSlugs(hlList(t, app, tt.path).Data), tt.want)
			})
		}
	}

	t.Run("Seed", func(t *testing.T) {
		run(t, []filterCase{
			{"OKCumbriaOpenNowWhenStopItNowClosed", hlSatClosed, "/api/v1/helplines?region=cumbria&open_now=true", always},
			{"OKCumbriaOpenNowWhenStopItNowOpen", hlMonOpen, "/api/v1/helplines?region=cumbria&open_now=true", all},
			{"OKCumbriaOpenNowAtClosed", hlMonOpen, "/api/v1/helplines?region=cumbria&open_now=true&at=" + atClosed, always},
			{"OKCumbriaOpenNowAtOpen", hlSatClosed, "/api/v1/helplines?region=cumbria&open_now=true&at=" + atOpen, all},
			{"OKOpenNowAtNight", hlMonNight, "/api/v1/helplines?open_now=true", always},
			{"OKOpenNowFalseKeepsClosed", hlSatClosed, "/api/v1/helplines?open_now=false", all},
			{"OKCumbriaAllWhenClosed", hlSatClosed, "/api/v1/helplines?region=cumbria", all},
			{"OKNation", hlMonOpen, "/api/v1/helplines?region=scotland", all},
			{"OKCountry", hlMonOpen, "/api/v1/helplines?region=united-kingdom", all},
			{"OKIreland", hlMonOpen, "/api/v1/helplines?region=ireland", []string{"stop-it-now"}},
			{"OKIrelandOpenNowWhenClosed", hlSatClosed, "/api/v1/helplines?region=ireland&open_now=true", []string{}},
			{"OKChannelSMS", hlMonOpen, "/api/v1/helplines?channel=sms", []string{"emergency-999"}},
			{"OKChannelTextphone", hlMonOpen, "/api/v1/helplines?channel=textphone", []string{"emergency-999", "police-101"}},
			{"OKChannelWebchat", hlMonOpen, "/api/v1/helplines?channel=webchat", []string{"stop-it-now"}},
			{"OKChannelWeb", hlMonOpen, "/api/v1/helplines?channel=web", []string{"crimestoppers", "stop-it-now"}},
			{"OKChannelEmailNone", hlMonOpen, "/api/v1/helplines?channel=email", []string{}},
			{"OKTopic", hlMonOpen, "/api/v1/helplines?topic=emergencies", []string{"emergency-999"}},
			{"OKTopicShared", hlMonOpen, "/api/v1/helplines?topic=indecent-images-of-children", []string{"crimestoppers", "stop-it-now"}},
			{"OKAudience", hlMonOpen, "/api/v1/helplines?audience=worried-about-own-behaviour", []string{"stop-it-now"}},
			{"OKCombined", hlSatClosed, "/api/v1/helplines?region=kent&channel=phone&topic=indecent-images-of-children&open_now=true", []string{"crimestoppers"}},
		})
	})

	auth := hlEditor(t, app)
	app.Clock.Set(testEpoch)
	cumbria := hlInput("cumbria-line", "Cumbria local line", &handlers.OpeningHours{Weekly: []handlers.WeeklyInterval{hlWeek(hlEveryDay, "00:00", "24:00")}},
		handlers.ContactInput{Type: "email", Label: "Email", Value: "help@cumbria.example.org"})
	cumbria.Coverage = []string{"cumbria"}
	cumbria.Topics = []string{"reporting-crime"}
	cumbria.Audiences = []string{"professionals"}
	hlCreate(t, app, auth, cumbria)
	ireland := hlInput("ireland-line", "Ireland local line", &handlers.OpeningHours{Weekly: []handlers.WeeklyInterval{hlWeek(hlEveryDay, "00:00", "24:00")}})
	ireland.Coverage = []string{"ireland"}
	hlCreate(t, app, auth, ireland)

	t.Run("Created", func(t *testing.T) {
		run(t, []filterCase{
			{"OKCumbriaLineInCumbria", hlMonOpen, "/api/v1/helplines?region=cumbria",
				[]string{"crimestoppers", "cumbria-line", "emergency-999", "police-101", "stop-it-now"}},
			{"OKCumbriaLineNotInKent", hlMonOpen, "/api/v1/helplines?region=kent", all},
			{"OKCumbriaLineNotInEngland", hlMonOpen, "/api/v1/helplines?region=england", all},
			{"OKCumbriaLineNotInUK", hlMonOpen, "/api/v1/helplines?region=united-kingdom", all},
			{"OKIrelandLineInIreland", hlMonOpen, "/api/v1/helplines?region=ireland", []string{"ireland-line", "stop-it-now"}},
			{"OKIrelandLineNotInUK", hlSatClosed, "/api/v1/helplines?region=wales", all},
			{"OKIrelandOpenNowWhenStopItNowClosed", hlSatClosed, "/api/v1/helplines?region=ireland&open_now=true", []string{"ireland-line"}},
			{"OKChannelEmail", hlMonOpen, "/api/v1/helplines?channel=email", []string{"cumbria-line"}},
			{"OKTopicAndAudience", hlMonOpen, "/api/v1/helplines?topic=reporting-crime&audience=professionals", []string{"cumbria-line"}},
			{"OKAudienceWithoutRegion", hlMonOpen, "/api/v1/helplines?audience=professionals&region=kent", []string{"stop-it-now"}},
		})
	})

	t.Run("ErrBadAt", func(t *testing.T) {
		for _, at := range []string{"yesterday", "2027-02-01", "2027-02-01T25:00:00Z", "2027-02-01 10:00:00", "1738400000"} {
			for _, path := range []string{"/api/v1/helplines?at=", "/api/v1/helplines?open_now=true&at=", "/api/v1/helplines/stop-it-now?at="} {
				MustProblem(t, app.Get(t, path+url.QueryEscape(at)), http.StatusBadRequest, "at")
			}
		}
		MustProblem(t, app.Get(t, "/api/v1/helplines?at="), http.StatusBadRequest, "at")
	})
}

// TestHelplinesChannels checks each channel's value, display form, E.164 number, URI,
// cost and anonymity, on the seed and on a created helpline with every channel type.
func TestHelplinesChannels(t *testing.T) {
	app := MustStartApp(t)
	type want struct {
		slug, label, typ, value, display, e164, uri, cost string
		anonymous                                         bool
	}
	check := func(t *testing.T, h handlers.Helpline, w want) {
		t.Helper()
		c := hlContact(t, h, w.label)
		e164 := ""
		if c.E164 != nil {
			e164 = *c.E164
			if e164 == "" {
				t.Errorf("%s %s: e164 is \"\", want null or a number", w.slug, w.label)
			}
		}
		got := want{w.slug, c.Label, c.Type, c.Value, c.Display, e164, c.URI, c.Cost, c.Anonymous}
		hlCheck(t, w.slug+" "+w.label, fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", w))
	}

	t.Run("Seed", func(t *testing.T) {
		tests := []want{
			{"stop-it-now", "Helpline (UK)", "phone", "0808 1000 900", "0808 1000 900", "+448081000900", "tel:+448081000900", "Free from the UK", true},
			{"stop-it-now", "Helpline from Ireland", "phone", "+44 1372 847 161", "+44 1372 847 161", "+441372847161", "tel:+441372847161", "Your phone provider's charges apply", true},
			{"stop-it-now", "Live chat", "webchat", "https://stopitnow.org.uk", "Live chat on stopitnow.org.uk", "", "https://stopitnow.org.uk", "", true},
			{"stop-it-now", "Secure email", "web", "https://stopitnow.org.uk", "Secure email on stopitnow.org.uk", "", "https://stopitnow.org.uk", "", true},
			{"crimestoppers", "Phone", "phone", "0800 555 111", "0800 555 111", "+44800555111", "tel:+44800555111", "Free", true},
			{"crimestoppers", "Anonymous online form", "web", "https://crimestoppers-uk.org", "crimestoppers-uk.org", "", "https://crimestoppers-uk.org", "", true},
			{"police-101", "Phone", "phone", "101", "101", "", "tel:101", "Your phone provider may charge for the call", false},
			{"police-101", "Textphone", "textphone", "18001 101", "18001 101", "", "tel:18001101", "Your phone provider may charge for the call", false},
			{"emergency-999", "Phone", "phone", "999", "999", "", "tel:999", "Free", false},
			{"emergency-999", "Textphone", "textphone", "18000", "18000", "", "tel:18000", "Free", false},
			{"emergency-999", "emergencySMS", "sms", "999", "999", "", "sms:999", "Free", false},
		}
		for _, w := range tests {
			t.Run(w.slug+"/"+w.label, func(t *testing.T) { check(t, hlGet(t, app, "/api/v1/helplines/"+w.slug), w) })
		}
	})

	t.Run("CreatedEveryType", func(t *testing.T) {
		auth := hlEditor(t, app)
		in := hlInput("every-channel", "Every channel", &handlers.OpeningHours{Weekly: []handlers.WeeklyInterval{hlWeek(hlWeekdays, "09:00", "17:00")}},
			handlers.ContactInput{Type: "phone", Label: "Phone", Value: "020 7946 0000", Cost: "Local rate"},
			handlers.ContactInput{Type: "textphone", Label: "Textphone", Value: "18001 020 7946 0000", Cost: "Local rate"},
			handlers.ContactInput{Type: "sms", Label: "Text", Value: "07911 123456", Cost: "Standard network rate", Anonymous: true},
			handlers.ContactInput{Type: "webchat", Label: "Chat", Value: "https://www.example.org/chat"},
			handlers.ContactInput{Type: "email", Label: "Email", Value: "help@example.org"},
			handlers.ContactInput{Type: "web", Label: "Web", Value: "https://example.org/report", Display: "Report online"},
		)
		created := hlCreate(t, app, auth, in)
		read := hlGet(t, app, "/api/v1/helplines/every-channel")
		for _, w := range []want{
			{"every-channel", "Phone", "phone", "020 7946 0000", "020 7946 0000", "+442079460000", "tel:+442079460000", "Local rate", false},
			{"every-channel", "Textphone", "textphone", "18001 020 7946 0000", "18001 020 7946 0000", "", "tel:1800102079460000", "Local rate", false},
			{"every-channel", "Text", "sms", "07911 123456", "07911 123456", "+447911123456", "sms:+447911123456", "Standard network rate", true},
			{"every-channel", "Chat", "webchat", "https://www.example.org/chat", "example.org", "", "https://www.example.org/chat", "", false},
			{"every-channel", "Email", "email", "help@example.org", "help@example.org", "", "mailto:help@example.org", "", false},
			{"every-channel", "Web", "web", "https://example.org/report", "Report online", "", "https://example.org/report", "", false},
		} {
			t.Run(w.label, func(t *testing.T) {
				check(t, created, w)
				check(t, read, w)
			})
		}
		for _, ch := range models.ChannelTypes {
			t.Run("Filter"+ch, func(t *testing.T) {
				if l := hlList(t, app, "/api/v1/helplines?channel="+ch); !slices.Contains(hlSlugs(l.Data), "every-channel") {
					t.Errorf("channel=%s: %v lacks every-channel", ch, hlSlugs(l.Data))
				}
			})
		}
	})

	t.Run("ErrInvalidContacts", func(t *testing.T) {
		auth := hlEditor(t, app)
		tests := []struct {
			name    string
			contact handlers.ContactInput
			field   string
		}{
			{"ErrPhoneNotANumber", handlers.ContactInput{Type: "phone", Value: "call us"}, "contacts[1].value"},
			{"ErrRelayBySMS", handlers.ContactInput{Type: "sms", Value: "18001 101"}, "contacts[1].value"},
			{"ErrEmailNotAnAddress", handlers.ContactInput{Type: "email", Value: "mailto:help@example.org"}, "contacts[1].value"},
			{"ErrWebNotHTTP", handlers.ContactInput{Type: "web", Value: "javascript:alert(1)"}, "contacts[1].value"},
			{"ErrUnknownType", handlers.ContactInput{Type: "pigeon", Value: "loft"}, "contacts[1].type"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := hlInput("bad-contact", "Bad contact", nil, handlers.ContactInput{Type: "phone", Value: "101"}, tt.contact)
				p := MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/helplines", in, nil, auth...), http.StatusUnprocessableEntity, "")
				if !slices.ContainsFunc(p.Errors, func(e handlers.FieldProblem) bool { return e.Field == tt.field }) {
					t.Errorf("errors %+v do not name %s", p.Errors, tt.field)
				}
			})
		}
	})
}

// hlWalk follows a helpline list page by page from first, calling between(n) before
// page n > 0, and returns the helplines in the order seen.
func hlWalk(t *testing.T, app *testApp, first string, between func(n int)) []handlers.Helpline {
	t.Helper()
	var out []handlers.Helpline
	next := first
	for n := 0; next != ""; n++ {
		if n > 50 {
			t.Fatalf("%s: more than 50 pages", first)
		}
		if n > 0 && between != nil {
			between(n)
		}
		l := hlList(t, app, next)
		out = append(out, l.Data...)
		next = ""
		if l.Links.Next != nil {
			next = *l.Links.Next
		}
	}
	return out
}

// TestHelplinesOrder checks that open lines come first and then the rest, each by
// name, and that paging keeps the order of the moment the first page was ranked.
func TestHelplinesOrder(t *testing.T) {
	app := MustStartApp(t)
	// A line whose name sorts before every seeded one, open only at night: it shows
	// where the ranking by state wins over the ranking by name.
	night := hlWeek(hlEveryDay, "22:00", "02:00")
	night.Overnight = true
	hlCreate(t, app, hlEditor(t, app), hlInput("abbey-night-line", "Abbey night line",
		&handlers.OpeningHours{Timezone: "Europe/London", Weekly: []handlers.WeeklyInterval{night}}))

	tests := []struct {
		name  string
		clock time.Time
		want  []string
	}{
		{"OKDayNightLineLast", hlMonOpen, []string{"crimestoppers", "emergency-999", "police-101", "stop-it-now", "abbey-night-line"}},
		{"OKNightStopItNowLast", hlMonNight, []string{"abbey-night-line", "crimestoppers", "emergency-999", "police-101", "stop-it-now"}},
		{"OKWeekendClosedByName", hlSatClosed, []string{"crimestoppers", "emergency-999", "police-101", "abbey-night-line", "stop-it-now"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app.Clock.Set(tt.clock)
			l := hlList(t, app, "/api/v1/helplines")
			hlCheckSlices(t, "order", hlSlugs(l.Data), tt.want)
			for i, h := range l.Data {
				if i > 0 && *h.OpenNow && !*l.Data[i-1].OpenNow {
					t.Errorf("open %s after closed %s", h.Slug, l.Data[i-1].Slug)
				}
				hlCheck(t, h.Slug+" emergency", h.Emergency, h.Slug == "emergency-999")
			}
			t.Run("LimitOneWalk", func(t *testing.T) {
				hlCheckSlices(t, "walk", hlSlugs(hlWalk(t, app, "/api/v1/helplines?limit=1", nil)), tt.want)
			})
			t.Run("LimitTwoWalkAt", func(t *testing.T) {
				app.Clock.Set(testEpoch.AddDate(0, 0, 3).Add(7 * time.Hour)) // Thursday 17:00: a different ranking
				at := url.QueryEscape(tt.clock.Format(time.RFC3339))
				hlCheckSlices(t, "walk", hlSlugs(hlWalk(t, app, "/api/v1/helplines?limit=2&at="+at, nil)), tt.want)
			})
		})
	}

	// The clock moves between pages across Stop It Now!'s opening or closing, after
	// each page in turn: the walk must still give every line once, in the order of
	// the moment its first page was ranked.
	moves := []struct {
		name          string
		start, moveTo time.Time
		want          []string
	}{
		{"NoLossWhenStopItNowOpens", hlMonBefore9, hlMonBefore9.Add(time.Second),
			[]string{"crimestoppers", "emergency-999", "police-101", "abbey-night-line", "stop-it-now"}},
		{"NoRepeatWhenStopItNowCloses", hlMonBefore9pm, hlMonBefore9pm.Add(time.Second),
			[]string{"crimestoppers", "emergency-999", "police-101", "stop-it-now", "abbey-night-line"}},
	}
	for _, mv := range moves {
		for after := 1; after < len(mv.want); after++ {
			t.Run(fmt.Sprintf("%sAfterPage%d", mv.name, after), func(t *testing.T) {
				app.Clock.Set(mv.start)
				got := hlWalk(t, app, "/api/v1/helplines?limit=1", func(n int) {
					if n == after {
						app.Clock.Set(mv.moveTo)
					}
				})
				hlCheckSlices(t, "walk", hlSlugs(got), mv.want)
				// The pages agree with their order: open_now is that of the ranking moment.
				for i := 1; i < len(got); i++ {
					if *got[i].OpenNow && !*got[i-1].OpenNow {
						t.Errorf("page %d: open %s after closed %s", i, got[i].Slug, got[i-1].Slug)
					}
				}
			})
		}
	}
}

// TestHelplinesFreshness checks last_verified_at and verification_due, the
// configured period, `signpost helplines due` and GET /api/v1/helplines/due.
func TestHelplinesFreshness(t *testing.T) {
	app := MustStartApp(t)
	auth := hlEditor(t, app)

	t.Run("OKSeedNeverVerified", func(t *testing.T) {
		var raw struct {
			Data []map[string]json.RawMessage `json:"data"`
		}
		MustStatus(t, app.GetJSON(t, "/api/v1/helplines", &raw), http.StatusOK)
		if len(raw.Data) != 4 {
			t.Fatalf("%d helplines", len(raw.Data))
		}
		for _, h := range raw.Data {
			hlCheck(t, string(h["slug"])+" last_verified_at", string(h["last_verified_at"]), "null")
			hlCheck(t, string(h["slug"])+" verification_due", string(h["verification_due"]), "true")
		}
	})

	tests := []struct {
		name string
		age  time.Duration
		due  bool
	}{
		{"OKTenDaysNotDue", 10 * 24 * time.Hour, false},
		{"OKJustVerifiedNotDue", 0, false},
		{"OKExactly180DaysNotDue", 180 * 24 * time.Hour, false},
		{"OKJustOver180DaysDue", 180*24*time.Hour + time.Second, true},
		{"OK200DaysDue", 200 * 24 * time.Hour, true},
	}
	for _, tt := range tests {
		for _, zone := range []*time.Location{time.UTC, time.FixedZone("", -10*3600), time.FixedZone("", 14*3600)} {
			t.Run(fmt.Sprintf("%s/Offset%d", tt.name, func() int { _, o := testEpoch.In(zone).Zone(); return o / 3600 }()), func(t *testing.T) {
				app.Clock.Set(testEpoch)
				verified := testEpoch.Add(-tt.age).In(zone)
				resp := hlPatch(t, app, auth, "crimestoppers", map[string]any{"last_verified_at": verified.Format(time.RFC3339)})
				MustStatus(t, resp, http.StatusOK)
				h := hlGet(t, app, "/api/v1/helplines/crimestoppers")
				if h.LastVerifiedAt == nil || !h.LastVerifiedAt.Equal(verified) {
					t.Fatalf("last_verified_at %v, want %v", h.LastVerifiedAt, verified)
				}
				hlCheck(t, "last_verified_at is UTC", h.LastVerifiedAt.Location(), time.UTC)
				hlCheck(t, "item verification_due", h.VerificationDue, tt.due)
				hlCheck(t, "list verification_due", hlFind(t, hlList(t, app, "/api/v1/helplines").Data, "crimestoppers").VerificationDue, tt.due)
				due := hlSlugs(hlList(t, app, "/api/v1/helplines/due", auth...).Data)
				hlCheck(t, "listed by /helplines/due", slices.Contains(due, "crimestoppers"), tt.due)
			})
		}
	}

	t.Run("ErrVerifiedInFuture", func(t *testing.T) {
		app.Clock.Set(testEpoch)
		resp := hlPatch(t, app, auth, "crimestoppers", map[string]any{"last_verified_at": testEpoch.Add(time.Hour).Format(time.RFC3339)})
		MustProblem(t, resp, http.StatusUnprocessableEntity, "last_verified_at")
	})

	t.Run("OKDueEndpoint", func(t *testing.T) {
		app.Clock.Set(testEpoch)
		MustStatus(t, hlPatch(t, app, auth, "crimestoppers", map[string]any{"last_verified_at": testEpoch.AddDate(0, 0, -10).Format(time.RFC3339)}), http.StatusOK)
		MustStatus(t, hlPatch(t, app, auth, "police-101", map[string]any{"last_verified_at": testEpoch.AddDate(0, 0, -200).Format(time.RFC3339)}), http.StatusOK)
		// A draft that was never checked is due too: editors must check it before it goes out.
		draft := hlInput("draft-line", "Draft line", nil)
		draft.Status = models.StatusDraft
		hlCreate(t, app, auth, draft)
		l := hlList(t, app, "/api/v1/helplines/due", auth...)
		// Never verified first (by name), then the longest unchecked.
		hlCheckSlices(t, "due", hlSlugs(l.Data), []string{"draft-line", "emergency-999", "stop-it-now", "police-101"})
		for _, h := range l.Data {
			hlCheck(t, h.Slug+" verification_due", h.VerificationDue, true)
		}
	})

	t.Run("ErrDueNeedsKey", func(t *testing.T) {
		MustProblem(t, app.Get(t, "/api/v1/helplines/due"), http.StatusUnauthorized, "")
		MustProblem(t, app.Get(t, "/api/v1/helplines/due", "Authorization", "Bearer sp_nope_nope"), http.StatusUnauthorized, "")
		// Not a helpline called "due" either.
		MustProblem(t, app.Get(t, "/api/v1/helplines/due?at=2027-02-01T10:00:00Z"), http.StatusUnauthorized, "")
	})
}

// hlDueSlugs runs `signpost helplines due` on the database at path with the
// environment env and returns the slugs it lists.
func hlDueSlugs(t *testing.T, path string, env map[string]string, flags ...string) []string {
	t.Helper()
	var out bytes.Buffer
	args := append([]string{"helplines", "due", "-db", path}, flags...)
	if err := Main(context.Background(), args, func(k string) string { return env[k] }, &out, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("signpost %s: %v", strings.Join(args, " "), err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "SLUG") {
		if strings.Contains(out.String(), "No helpline is due") {
			return []string{}
		}
		t.Fatalf("output has no header:\n%s", out.String())
	}
	slugs := []string{}
	for _, l := range lines[1:] {
		slugs = append(slugs, strings.Fields(l)[0])
	}
	return slugs
}

// TestHelplinesDueCommand checks `signpost helplines due` and that the configured
// verification period (SIGNPOST_VERIFY_AFTER_DAYS, -verify-after-days) reaches the
// CLI and the server. The command and Run tell the real time, so the app's clock is
// set to the real time too.
func TestHelplinesDueCommand(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	app := MustStartApp(t, WithClock(newTestClock(now)))
	auth := hlEditor(t, app)
	MustStatus(t, hlPatch(t, app, auth, "crimestoppers", map[string]any{"last_verified_at": now.AddDate(0, 0, -10).Format(time.RFC3339)}), http.StatusOK)
	MustStatus(t, hlPatch(t, app, auth, "police-101", map[string]any{"last_verified_at": now.AddDate(0, 0, -200).Format(time.RFC3339)}), http.StatusOK)

	tests := []struct {
		name  string
		env   map[string]string
		flags []string
		want  []string
	}{
		{"OKDefault180Days", nil, nil, []string{"emergency-999", "stop-it-now", "police-101"}},
		{"OKEnvFiveDays", map[string]string{"SIGNPOST_VERIFY_AFTER_DAYS": "5"}, nil, []string{"emergency-999", "stop-it-now", "police-101", "crimestoppers"}},
		{"OKFlagFiveDays", nil, []string{"-verify-after-days", "5"}, []string{"emergency-999", "stop-it-now", "police-101", "crimestoppers"}},
		{"OKFlagWinsOverEnv", map[string]string{"SIGNPOST_VERIFY_AFTER_DAYS": "5"}, []string{"-verify-after-days", "365"}, []string{"emergency-999", "stop-it-now"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hlCheckSlices(t, "due", hlDueSlugs(t, app.DBPath, tt.env, tt.flags...), tt.want)
		})
	}

	t.Run("OKNoneDue", func(t *testing.T) {
		for _, slug := range []string{"stop-it-now", "emergency-999", "police-101"} {
			MustStatus(t, hlPatch(t, app, auth, slug, map[string]any{"last_verified_at": now.AddDate(0, 0, -1).Format(time.RFC3339)}), http.StatusOK)
		}
		hlCheckSlices(t, "due", hlDueSlugs(t, app.DBPath, nil), []string{})
		hlCheckSlices(t, "due", hlDueSlugs(t, app.DBPath, map[string]string{"SIGNPOST_VERIFY_AFTER_DAYS": "5"}), []string{"crimestoppers"})
		// Put the earlier state back for the tests below.
		for _, slug := range []string{"stop-it-now", "emergency-999"} {
			MustStatus(t, hlPatch(t, app, auth, slug, map[string]any{"last_verified_at": nil}), http.StatusOK)
		}
		MustStatus(t, hlPatch(t, app, auth, "police-101", map[string]any{"last_verified_at": now.AddDate(0, 0, -200).Format(time.RFC3339)}), http.StatusOK)
	})

	t.Run("ErrBadPeriod", func(t *testing.T) {
		for _, v := range []string{"0", "-1", "ten", "3651"} {
			var out bytes.Buffer
			err := Main(context.Background(), []string{"helplines", "due", "-db", app.DBPath},
				func(k string) string { return map[string]string{"SIGNPOST_VERIFY_AFTER_DAYS": v}[k] }, &out, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), "SIGNPOST_VERIFY_AFTER_DAYS") {
				t.Errorf("SIGNPOST_VERIFY_AFTER_DAYS=%s: err %v, want one naming the variable", v, err)
			}
		}
	})

	t.Run("OKServerFiveDays", func(t *testing.T) {
		// The server started by Run with SIGNPOST_VERIFY_AFTER_DAYS=5 marks a line
		// checked ten days ago as due; the app with the default period does not.
		env := map[string]string{"SIGNPOST_VERIFY_AFTER_DAYS": "5", "SIGNPOST_ADDR": "127.0.0.1:0", "SIGNPOST_DB": app.DBPath}
		cfg, _, err := LoadConfig("signpost", nil, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- Run(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}()
		var addr string
		select {
		case addr = <-ready:
		case err := <-done:
			t.Fatalf("Run: %v", err)
		}
		srv := *app
		srv.URL = "http://" + addr
		hlCheck(t, "verification_due (5 days)", hlGet(t, &srv, "/api/v1/helplines/crimestoppers").VerificationDue, true)
		hlCheck(t, "verification_due (180 days)", hlGet(t, app, "/api/v1/helplines/crimestoppers").VerificationDue, false)
		due := hlSlugs(hlList(t, &srv, "/api/v1/helplines/due", auth...).Data)
		hlCheckSlices(t, "due (5 days)", due, []string{"emergency-999", "stop-it-now", "police-101", "crimestoppers"})
	})
}

// TestHelplinesTrustFacts checks the facts a person weighs before calling, as fields
// of their own, on the seed: anonymity, confidentiality and its limits, languages,
// interpreters, and the accessible routes as channels.
func TestHelplinesTrustFacts(t *testing.T) {
	app := MustStartApp(t)
	tests := []struct {
		slug                    string
		anonymous, confidential bool
		noteHas                 string
		languages               []string
		interpretersHas         string
		channels                []string // type:uri of each contact, in order
	}{
		{"stop-it-now", true, true, "identifies a child at risk", []string{"en", "cy"}, "200 languages",
			[]string{"phone:tel:+448081000900", "phone:tel:+441372847161", "webchat:https://stopitnow.org.uk", "web:https://stopitnow.org.uk"}},
		{"crimestoppers", true, false, "anonymity rather than confidentiality", []string{"en"}, "",
			[]string{"phone:tel:+44800555111", "web:https://crimestoppers-uk.org"}},
		{"police-101", false, false, "", []string{"en"}, "",
			[]string{"phone:tel:101", "textphone:tel:18001101"}},
		{"emergency-999", false, false, "", []string{"en"}, "",
			[]string{"phone:tel:999", "textphone:tel:18000", "sms:sms:999"}},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			h := hlGet(t, app, "/api/v1/helplines/"+tt.slug)
			hlCheck(t, "anonymous", h.Anonymous, tt.anonymous)
			hlCheck(t, "confidential", h.Confidential, tt.confidential)
			if tt.noteHas == "" {
				hlCheck(t, "confidentiality_note", h.ConfidentialityNote, "")
			} else if !strings.Contains(h.ConfidentialityNote, tt.noteHas) {
				t.Errorf("confidentiality_note %q lacks %q", h.ConfidentialityNote, tt.noteHas)
			}
			hlCheckSlices(t, "languages", h.Languages, tt.languages)
			if tt.interpretersHas == "" {
				hlCheck(t, "interpreters", h.Interpreters, "")
			} else if !strings.Contains(h.Interpreters, tt.interpretersHas) {
				t.Errorf("interpreters %q lacks %q", h.Interpreters, tt.interpretersHas)
			}
			var channels []string
			for _, c := range h.Contacts {
				channels = append(channels, c.Type+":"+c.URI)
			}
			hlCheckSlices(t, "channels", channels, tt.channels)
		})
	}
	t.Run("emergencySMSNeedsRegistering", func(t *testing.T) {
		c := hlContact(t, hlGet(t, app, "/api/v1/helplines/emergency-999"), "emergencySMS")
		if !strings.Contains(c.Note, "registered") {
			t.Errorf("emergencySMS note %q does not say it needs registering", c.Note)
		}
	})
}

// hlEssentials reads the essentials bundle.
func hlEssentials(t *testing.T, app *testApp, headers ...string) (handlers.EssentialsBundle, *http.Response) {
	t.Helper()
	var b handlers.EssentialsBundle
	resp := app.GetJSON(t, "/api/v1/helplines/essentials", &b, headers...)
	MustStatus(t, resp, http.StatusOK)
	return b, resp
}

func hlEssentialSlugs(b handlers.EssentialsBundle) []string {
	out := []string{}
	for _, l := range b.Data.Helplines {
		out = append(out, l.Slug)
	}
	return out
}

// TestHelplinesEssentials checks the offline bundle: what it holds, its caching, and
// that it follows the data.
func TestHelplinesEssentials(t *testing.T) {
	app := MustStartApp(t)
	auth := hlEditor(t, app)
	seed := []string{"emergency-999", "crimestoppers", "police-101", "stop-it-now"}

	t.Run("OKContents", func(t *testing.T) {
		b, resp := hlEssentials(t, app)
		hlCheckSlices(t, "helplines", hlEssentialSlugs(b), seed)
		for i, l := range b.Data.Helplines {
			hlCheck(t, l.Slug+" emergency", l.Emergency, i == 0)
		}
		uris := map[string][]string{}
		for _, l := range b.Data.Helplines {
			for _, c := range l.Contacts {
				uris[l.Slug] = append(uris[l.Slug], c.URI)
			}
		}
		for slug, want := range map[string][]string{
			"emergency-999": {"tel:999", "tel:18000", "sms:999"},
			"police-101":    {"tel:101", "tel:18001101"},
			"crimestoppers": {"tel:+44800555111"},
			"stop-it-now":   {"tel:+448081000900", "tel:+441372847161"},
		} {
			for _, u := range want {
				if !slices.Contains(uris[slug], u) {
					t.Errorf("%s: contacts %v lack %s", slug, uris[slug], u)
				}
			}
		}
		hlCheck(t, "stop-it-now hours_text", b.Data.Helplines[3].HoursText, "Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)")
		hlCheckSlices(t, "stop-it-now coverage", b.Data.Helplines[3].Coverage, []string{"united-kingdom", "ireland"})
		cc := resp.Header.Get("Cache-Control")
		var maxAge int
		for _, d := range strings.Split(cc, ",") {
			fmt.Sscanf(strings.TrimSpace(d), "max-age=%d", &maxAge)
		}
		if maxAge < 3600 || !strings.Contains(cc, "public") || !strings.Contains(cc, "stale-if-error") {
			t.Errorf("Cache-Control %q: want public, a max-age of an hour or more and stale-if-error", cc)
		}
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		MustStatus(t, app.Get(t, "/api/v1/helplines/essentials", "If-None-Match", etag), http.StatusNotModified)
	})

	// Each step changes the data and says what the bundle must then hold.
	steps := []struct {
		name   string
		change func(t *testing.T)
		want   []string
		check  func(t *testing.T, b handlers.EssentialsBundle)
	}{
		{"OKRenameShows", func(t *testing.T) {
			MustStatus(t, hlPatch(t, app, auth, "crimestoppers", map[string]any{"name": "Crimestoppers UK"}), http.StatusOK)
		}, seed, func(t *testing.T, b handlers.EssentialsBundle) {
			hlCheck(t, "name", b.Data.Helplines[1].Name, "Crimestoppers UK")
		}},
		{"OKHoursEditShows", func(t *testing.T) {
			MustStatus(t, hlPatch(t, app, auth, "stop-it-now", map[string]any{"opening_hours": map[string]any{
				"exceptions": []map[string]any{{"date": "2027-12-25", "closed": true, "note": "Christmas Day"}}}}), http.StatusOK)
		}, seed, func(t *testing.T, b handlers.EssentialsBundle) {
			hlCheck(t, "hours_text", b.Data.Helplines[3].HoursText,
				"Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time); Closed on 25 December 2027 (Christmas Day)")
		}},
		{"OKLocalLineLeftOut", func(t *testing.T) {
			in := hlInput("cumbria-line", "Cumbria line", nil)
			in.Coverage = []string{"cumbria"}
			hlCreate(t, app, auth, in)
		}, seed, nil},
		{"OKNationalLineAdded", func(t *testing.T) {
			hlCreate(t, app, auth, hlInput("national-line", "National line", nil))
		}, []string{"emergency-999", "crimestoppers", "national-line", "police-101", "stop-it-now"}, nil},
		{"OKUnpublishedDropsOut", func(t *testing.T) {
			MustStatus(t, hlPatch(t, app, auth, "national-line", map[string]any{"status": "draft"}), http.StatusOK)
		}, seed, nil},
		{"OKScheduledNotYet", func(t *testing.T) {
			in := hlInput("scheduled-line", "Scheduled line", nil)
			in.Status = models.StatusScheduled
			// Written with an offset: it must still go live at the instant it names.
			at := app.Clock.Now().Add(time.Hour).In(time.FixedZone("", 5*3600))
			in.PublishAt = &at
			hlCreate(t, app, auth, in)
		}, seed, nil},
		{"OKScheduledGoesLive", func(t *testing.T) {
			app.Clock.Add(2 * time.Hour)
		}, []string{"emergency-999", "crimestoppers", "police-101", "scheduled-line", "stop-it-now"}, nil},
		{"OKDeletedDropsOut", func(t *testing.T) {
			MustStatus(t, app.Do(t, http.MethodDelete, "/api/v1/helplines/police-101", nil, auth...), http.StatusNoContent)
		}, []string{"emergency-999", "crimestoppers", "scheduled-line", "stop-it-now"}, func(t *testing.T, b handlers.EssentialsBundle) {
			for _, l := range b.Data.Helplines {
				for _, c := range l.Contacts {
					if c.URI == "tel:101" || c.URI == "tel:18001101" {
						t.Errorf("%s still lists %s", l.Slug, c.URI)
					}
				}
			}
		}},
	}
	_, resp := hlEssentials(t, app)
	etag := resp.Header.Get("ETag")
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change(t)
			b, resp := hlEssentials(t, app)
			hlCheckSlices(t, "helplines", hlEssentialSlugs(b), st.want)
			if st.check != nil {
				st.check(t, b)
			}
			changed := !slices.Contains([]string{"OKLocalLineLeftOut", "OKScheduledNotYet"}, st.name)
			hlCheck(t, "ETag changed", resp.Header.Get("ETag") != etag, changed)
			if changed {
				// The old tag no longer matches: a cache gets the new bundle.
				MustStatus(t, app.Get(t, "/api/v1/helplines/essentials", "If-None-Match", etag), http.StatusOK)
			}
			etag = resp.Header.Get("ETag")
		})
	}
}

// essentialsBudget is the most the essentials bundle may weigh, gzipped, with the
// seed's lines: apps keep it and fetch it on slow connections.
const essentialsBudget = 3 * 1024

// TestHelplinesEssentialsOffline checks that the bundle carries what an app needs
// with no network: the hours as data (to work out itself whether a line is open),
// each channel's own hours, the limits of confidentiality, when the details were
// last checked, and when the bundle was made; and that it stays small.
func TestHelplinesEssentialsOffline(t *testing.T) {
	clock := newTestClock(testEpoch.Add(37 * time.Minute))
	app := MustStartApp(t, WithClock(clock))
	b, resp := hlEssentials(t, app)
	hlCheck(t, "generated_at", b.Data.GeneratedAt, testEpoch) // to the hour
	lines := map[string]handlers.EssentialLine{}
	for _, l := range b.Data.Helplines {
		lines[l.Slug] = l
	}

	sin := lines["stop-it-now"]
	if sin.OpeningHours == nil || sin.OpeningHours.Timezone != "Europe/London" || len(sin.OpeningHours.Weekly) != 2 ||
		!hlSameWeek(sin.OpeningHours.Weekly[0], hlWeek("mon,tue,wed,thu", "09:00", "21:00")) ||
		!hlSameWeek(sin.OpeningHours.Weekly[1], hlWeek("fri", "09:00", "17:00")) {
		t.Errorf("stop-it-now opening_hours %+v", sin.OpeningHours)
	}
	for _, c := range sin.Contacts {
		switch c.Type {
		case "phone":
			if c.OpeningHours != nil {
				t.Errorf("stop-it-now %s: opening_hours %+v, want none (the line's apply)", c.Display, c.OpeningHours)
			}
		default: // live chat and secure email: hours not published
			if c.OpeningHours == nil || len(c.OpeningHours.Weekly) != 0 {
				t.Errorf("stop-it-now %s: opening_hours %+v, want an empty week (not published)", c.Display, c.OpeningHours)
			}
		}
	}
	if h := lines["emergency-999"].OpeningHours; h == nil || len(h.Weekly) == 0 {
		t.Errorf("999 opening_hours %+v", h)
	}
	for slug, l := range lines {
		if (l.Anonymous || l.Confidential) && l.ConfidentialityNote == "" {
			t.Errorf("%s is anonymous or confidential, without its confidentiality_note", slug)
		}
		if l.LastVerifiedAt != nil || !l.VerificationDue {
			t.Errorf("%s: last_verified_at %v, verification_due %v; the seed's lines are unchecked", slug, l.LastVerifiedAt, l.VerificationDue)
		}
	}
	hlCheck(t, "crimestoppers note", strings.HasPrefix(lines["crimestoppers"].ConfidentialityNote, "Crimestoppers promises anonymity rather than confidentiality"), true)

	// Within the hour, the same bundle and tag; when the hour turns, generated_at says so.
	etag := resp.Header.Get("ETag")
	clock.Set(testEpoch.Add(59 * time.Minute))
	MustStatus(t, app.Get(t, "/api/v1/helplines/essentials", "If-None-Match", etag), http.StatusNotModified)
	clock.Set(testEpoch.Add(time.Hour))
	b, _ = hlEssentials(t, app)
	hlCheck(t, "generated_at an hour on", b.Data.GeneratedAt, testEpoch.Add(time.Hour))

	// Checking a line shows.
	verified := testEpoch.Add(-24 * time.Hour)
	MustStatus(t, hlPatch(t, app, hlEditor(t, app), "police-101", map[string]any{"last_verified_at": verified.Format(time.RFC3339)}), http.StatusOK)
	b, _ = hlEssentials(t, app)
	for _, l := range b.Data.Helplines {
		if l.Slug == "police-101" && (l.LastVerifiedAt == nil || !l.LastVerifiedAt.Equal(verified) || l.VerificationDue) {
			t.Errorf("police-101: last_verified_at %v, verification_due %v", l.LastVerifiedAt, l.VerificationDue)
		}
	}

	gz := app.Get(t, "/api/v1/helplines/essentials", acceptGzip...)
	MustStatus(t, gz, http.StatusOK)
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatal("no gzip")
	}
	size, plain := len(ReadBody(t, gz)), len(decodedBody(t, gz))
	t.Logf("essentials bundle: %d bytes, %d gzipped (budget %d)", plain, size, essentialsBudget)
	if size > essentialsBudget {
		t.Errorf("the bundle is %d bytes gzipped, over the budget of %d", size, essentialsBudget)
	}
}

func hlSameWeek(a, b handlers.WeeklyInterval) bool {
	return slices.Equal(a.Days, b.Days) && a.Opens == b.Opens && a.Closes == b.Closes && a.Overnight == b.Overnight
}

// TestHelplinesHoursValidation checks that writes of opening hours are validated,
// each problem reported as a 422 naming the field, for the helpline's hours and a
// contact's own.
func TestHelplinesHoursValidation(t *testing.T) {
	app := MustStartApp(t)
	auth := hlEditor(t, app)
	w := hlWeek
	overnight := func(days, opens, closes string) handlers.WeeklyInterval {
		i := w(days, opens, closes)
		i.Overnight = true
		return i
	}
	hours := func(weekly ...handlers.WeeklyInterval) *handlers.OpeningHours {
		return &handlers.OpeningHours{Timezone: "Europe/London", Weekly: weekly}
	}
	withExceptions := func(h *handlers.OpeningHours, e ...handlers.HoursException) *handlers.OpeningHours {
		h.Exceptions = e
		return h
	}
	tests := []struct {
		name  string
		hours *handlers.OpeningHours
		field string
	}{
		{"ErrUnknownTimezone", &handlers.OpeningHours{Timezone: "Europe/Atlantis", Weekly: []handlers.WeeklyInterval{w("mon", "09:00", "17:00")}}, "timezone"},
		{"ErrLocalTimezone", &handlers.OpeningHours{Timezone: "Local", Weekly: []handlers.WeeklyInterval{w("mon", "09:00", "17:00")}}, "timezone"},
		{"ErrAbbreviatedTimezone", &handlers.OpeningHours{Timezone: "BST", Weekly: []handlers.WeeklyInterval{w("mon", "09:00", "17:00")}}, "timezone"},
		{"ErrClosesBeforeOpensWithoutOvernight", hours(w("mon", "22:00", "02:00")), "weekly[0].closes"},
		{"ErrClosesAtOpening", hours(w("mon", "09:00", "09:00")), "weekly[0].closes"},
		{"ErrOvernightThatIsNot", hours(overnight("mon", "09:00", "17:00")), "weekly[0].overnight"},
		{"ErrOpensNotAClock", hours(w("mon", "9am", "17:00")), "weekly[0].opens"},
		{"ErrOpensAt24", hours(w("mon", "24:00", "23:00")), "weekly[0].opens"},
		{"ErrClosesPast24", hours(w("mon", "09:00", "24:30")), "weekly[0].closes"},
		{"ErrNoClosing", hours(w("mon", "09:00", "")), "weekly[0].closes"},
		{"ErrUnknownDay", hours(w("monday", "09:00", "17:00")), "weekly[0].days[0]"},
		{"ErrDayTwice", hours(w("mon,mon", "09:00", "17:00")), "weekly[0].days[1]"},
		{"ErrNoDays", hours(handlers.WeeklyInterval{Opens: "09:00", Closes: "17:00"}), "weekly[0].days"},
		{"ErrOverlap", hours(w(hlWeekdays, "09:00", "17:00"), w("wed", "12:00", "20:00")), "weekly[1]"},
		{"ErrOverlapAfterMidnight", hours(overnight("mon", "22:00", "02:00"), w("tue", "01:00", "05:00")), "weekly[1]"},
		{"ErrOverlapSundayIntoMonday", hours(overnight("sun", "22:00", "02:00"), w("mon", "00:00", "08:00")), "weekly[1]"},
		{"ErrExceptionWithoutDate", withExceptions(hours(w("mon", "09:00", "17:00")), handlers.HoursException{Closed: true}), "exceptions[0].date"},
		{"ErrExceptionNotADate", withExceptions(hours(w("mon", "09:00", "17:00")), handlers.HoursException{Date: "2027-02-30", Closed: true}), "exceptions[0].date"},
		{"ErrExceptionDateTwice", withExceptions(hours(w("mon", "09:00", "17:00")),
			handlers.HoursException{Date: "2027-12-25", Closed: true}, handlers.HoursException{Date: "2027-12-25", Opens: "10:00", Closes: "12:00"}), "exceptions[1].date"},
		{"ErrExceptionNeitherClosedNorHours", withExceptions(hours(w("mon", "09:00", "17:00")), handlers.HoursException{Date: "2027-12-25"}), "exceptions[0]"},
		{"ErrExceptionClosedWithHours", withExceptions(hours(w("mon", "09:00", "17:00")),
			handlers.HoursException{Date: "2027-12-25", Closed: true, Opens: "10:00", Closes: "12:00"}), "exceptions[0]"},
		{"ErrExceptionClosesBeforeOpens", withExceptions(hours(w("mon", "09:00", "17:00")),
			handlers.HoursException{Date: "2027-12-25", Opens: "20:00", Closes: "02:00"}), "exceptions[0].closes"},
		{"ErrExceptionOverlapsNightBefore", withExceptions(hours(overnight(hlEveryDay, "22:00", "02:00")),
			handlers.HoursException{Date: "2027-12-25", Opens: "01:00", Closes: "05:00"}), "exceptions[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, where := range []struct{ name, prefix string }{{"Helpline", "opening_hours."}, {"Contact", "contacts[1].opening_hours."}} {
				t.Run(where.name, func(t *testing.T) {
					in := hlInput("hours-check", "Hours check", nil,
						handlers.ContactInput{Type: "phone", Label: "Phone", Value: "0800 555 111"},
						handlers.ContactInput{Type: "webchat", Label: "Chat", Value: "https://example.org/chat"})
					if where.name == "Helpline" {
						in.OpeningHours = tt.hours
					} else {
						in.OpeningHours = hours(w(hlEveryDay, "00:00", "24:00"))
						in.Contacts[1].OpeningHours = tt.hours
					}
					p := MustProblem(t, app.DoJSON(t, http.MethodPost, "/api/v1/helplines", in, nil, auth...), http.StatusUnprocessableEntity, "")
					var fields []string
					for _, e := range p.Errors {
						fields = append(fields, e.Field)
					}
					hlCheckSlices(t, "errors", fields, []string{where.prefix + tt.field})
					MustProblem(t, app.Get(t, "/api/v1/helplines/hours-check", auth...), http.StatusNotFound, "")
				})
			}
		})
	}

	t.Run("OKEdgesAccepted", func(t *testing.T) {
		in := hlInput("edge-hours", "Edge hours", withExceptions(hours(
			overnight("sun", "22:00", "02:00"), w("mon", "02:00", "10:00"), w("tue", "00:00", "24:00"), w("wed", "09:00", "12:00"), w("wed", "12:00", "17:00")),
			handlers.HoursException{Date: "2027-12-27", Opens: "02:00", Closes: "03:00"}))
		h := hlCreate(t, app, auth, in)
		// Wednesday's two intervals meet at noon: open until 17:00, not noon.
		wed := url.QueryEscape(time.Date(2027, 2, 3, 11, 0, 0, 0, time.UTC).Format(time.RFC3339))
		got := hlGet(t, app, "/api/v1/helplines/"+h.Slug+"?at="+wed)
		hlCheck(t, "wednesday", hlState(got.OpenNow, got.NextChangeAt), "open until 2027-02-03T17:00:00Z")
		// Sunday night runs into Monday's hours without a break.
		sun := url.QueryEscape(time.Date(2027, 2, 7, 23, 0, 0, 0, time.UTC).Format(time.RFC3339))
		got = hlGet(t, app, "/api/v1/helplines/"+h.Slug+"?at="+sun)
		hlCheck(t, "sunday night", hlState(got.OpenNow, got.NextChangeAt), "open until 2027-02-08T10:00:00Z")
	})

	t.Run("ErrPatchLeavesHoursUnchanged", func(t *testing.T) {
		before := hlGet(t, app, "/api/v1/helplines/stop-it-now")
		resp := hlPatch(t, app, auth, "stop-it-now", map[string]any{"opening_hours": map[string]any{
			"weekly": []map[string]any{{"days": []string{"mon"}, "opens": "21:00", "closes": "09:00"}}}})
		MustProblem(t, resp, http.StatusUnprocessableEntity, "opening_hours.weekly[0].closes")
		resp = hlPatch(t, app, auth, "stop-it-now", map[string]any{"opening_hours": map[string]any{"timezone": "Mars/Olympus_Mons"}})
		MustProblem(t, resp, http.StatusUnprocessableEntity, "opening_hours.timezone")
		after := hlGet(t, app, "/api/v1/helplines/stop-it-now")
		hlCheck(t, "hours_text", after.HoursText, before.HoursText)
		hlCheck(t, "updated_at", after.UpdatedAt, before.UpdatedAt)
	})
}

// TestHelplinesSeedHours checks that the seed carries the published hours of every
// seeded helpline, as structure, and that the channels whose hours are not published
// show them as unknown.
func TestHelplinesSeedHours(t *testing.T) {
	app := MustStartApp(t)
	alwaysOpen := handlers.OpeningHours{Timezone: "Europe/London", Weekly: []handlers.WeeklyInterval{hlWeek(hlEveryDay, "00:00", "24:00")}, Exceptions: []handlers.HoursException{}}
	tests := []struct {
		slug  string
		hours handlers.OpeningHours
		text  string
		// unknown are the labels of the contacts whose own hours are unknown.
		unknown []string
	}{
		{"stop-it-now", handlers.OpeningHours{Timezone: "Europe/London", Weekly: []handlers.WeeklyInterval{
			hlWeek("mon,tue,wed,thu", "09:00", "21:00"), hlWeek("fri", "09:00", "17:00")}, Exceptions: []handlers.HoursException{}},
			"Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)", []string{"Live chat", "Secure email"}},
		{"crimestoppers", alwaysOpen, "Open 24 hours, every day", nil},
		{"police-101", alwaysOpen, "Open 24 hours, every day", nil},
		{"emergency-999", alwaysOpen, "Open 24 hours, every day", nil},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			h := hlGet(t, app, "/api/v1/helplines/"+tt.slug)
			if h.OpeningHours == nil {
				t.Fatal("opening_hours is null")
			}
			got, _ := json.Marshal(h.OpeningHours)
			want, _ := json.Marshal(tt.hours)
			hlCheck(t, "opening_hours", string(got), string(want))
			hlCheck(t, "hours_text", h.HoursText, tt.text)
			for _, c := range h.Contacts {
				if slices.Contains(tt.unknown, c.Label) {
					// Unknown hours of its own: an empty week, not null (which
					// would mean the helpline's hours apply).
					if c.OpeningHours == nil || len(c.OpeningHours.Weekly) != 0 || len(c.OpeningHours.Exceptions) != 0 {
						t.Errorf("%s opening_hours = %+v, want an empty week", c.Label, c.OpeningHours)
					}
					hlCheck(t, c.Label+" state", hlState(c.OpenNow, c.NextChangeAt), "unknown")
				} else {
					if c.OpeningHours != nil {
						t.Errorf("%s has hours of its own: %+v", c.Label, c.OpeningHours)
					}
					hlCheck(t, c.Label+" state", hlState(c.OpenNow, c.NextChangeAt), hlState(h.OpenNow, h.NextChangeAt))
					hlCheck(t, c.Label+" hours_text", c.HoursText, tt.text)
				}
			}
		})
	}

	t.Run("OKUnknownChannelHoursSurviveAnEdit", func(t *testing.T) {
		// Renaming the helpline must not give its live chat the helpline's hours:
		// they are unknown, not the same.
		auth := hlEditor(t, app)
		MustStatus(t, hlPatch(t, app, auth, "stop-it-now", map[string]any{"name": "Stop It Now! helpline (UK and Ireland)"}), http.StatusOK)
		h := hlGet(t, app, "/api/v1/helplines/stop-it-now")
		for _, label := range []string{"Live chat", "Secure email"} {
			c := hlContact(t, h, label)
			hlCheck(t, label+" state", hlState(c.OpenNow, c.NextChangeAt), "unknown")
			hlCheck(t, label+" hours_text", c.HoursText, "")
		}
	})
}

// TestHelplinesNumberShownIsDialled checks that a phone contact's display always
// shows the number its tel: link dials, in the API and in the widget's link names,
// and that numbers a person in crisis must not be sent to are refused.
func TestHelplinesNumberShownIsDialled(t *testing.T) {
	app := MustStartApp(t)
	auth := hlEditor(t, app)
	in := hlInput("dial-line", "Dial line", nil,
		handlers.ContactInput{Type: "phone", Label: "Phone", Value: "020 7946 0000", Display: "020 7946 0000", Cost: "Local rate"})
	in.Coverage = []string{"ireland"}
	hlCreate(t, app, auth, in)
	contact := func(value, display string) map[string]any {
		c := map[string]any{"type": "phone", "label": "Phone", "value": value, "cost": "Local rate"}
		if display != "" {
			c["display"] = display
		}
		return c
	}

	t.Run("ErrNumberChangedDisplayKept", func(t *testing.T) {
		resp := hlPatch(t, app, auth, "dial-line", map[string]any{"contacts": []any{contact("020 7946 0001", "020 7946 0000")}})
		MustProblem(t, resp, http.StatusUnprocessableEntity, "contacts[0].display")
		c := hlContact(t, hlGet(t, app, "/api/v1/helplines/dial-line"), "Phone")
		hlCheck(t, "unchanged contact", c.Value+" "+c.Display+" "+c.URI, "020 7946 0000 020 7946 0000 tel:+442079460000")
	})

	t.Run("ErrDisplayNotANumber", func(t *testing.T) {
		resp := hlPatch(t, app, auth, "dial-line", map[string]any{"contacts": []any{contact("020 7946 0000", "Call us on 020 7946 0000")}})
		MustProblem(t, resp, http.StatusUnprocessableEntity, "contacts[0].display")
	})

	t.Run("OKNumberChangedWithoutDisplay", func(t *testing.T) {
		MustStatus(t, hlPatch(t, app, auth, "dial-line", map[string]any{"contacts": []any{contact("020 7946 0001", "")}}), http.StatusOK)
		c := hlContact(t, hlGet(t, app, "/api/v1/helplines/dial-line"), "Phone")
		hlCheck(t, "display made from the number", c.Value+" "+c.Display+" "+c.URI, "020 7946 0001 020 7946 0001 tel:+442079460001")

		// The widget's link is named with the same number it dials.
		var body handlers.EmbedListItem
		MustStatus(t, app.GetJSON(t, "/embed/helplines.json?region=ireland&limit=20", &body), http.StatusOK)
		i := slices.IndexFunc(body.Data.Helplines, func(l handlers.EmbedLine) bool { return l.Slug == "dial-line" })
		if i < 0 {
			t.Fatalf("dial-line not in the widget's lines %+v", body.Data.Helplines)
		}
		ec := body.Data.Helplines[i].Contacts[0]
		hlCheck(t, "widget link", ec.Name+" | "+ec.Display+" | "+ec.URI, "Call Dial line on 020 7946 0001 | 020 7946 0001 | tel:+442079460001")
	})

	t.Run("OKOtherGroupingOfTheSameNumber", func(t *testing.T) {
		MustStatus(t, hlPatch(t, app, auth, "dial-line", map[string]any{"contacts": []any{contact("02079460001", "+44 20 7946 0001")}}), http.StatusOK)
		c := hlContact(t, hlGet(t, app, "/api/v1/helplines/dial-line"), "Phone")
		hlCheck(t, "display as written", c.Display+" "+c.URI, "+44 20 7946 0001 tel:+442079460001")
	})

	t.Run("ErrPremiumRate", func(t *testing.T) {
		c := contact("0909 879 0000", "")
		c["cost"] = "£1.50 a minute"
		MustProblem(t, hlPatch(t, app, auth, "dial-line", map[string]any{"contacts": []any{c}}), http.StatusUnprocessableEntity, "contacts[0].value")
	})

	t.Run("ErrChargedWithoutCost", func(t *testing.T) {
		for _, c := range []map[string]any{
			{"type": "phone", "value": "01372 847161"},
			{"type": "phone", "value": "101"},
			{"type": "textphone", "value": "18001 101"},
			{"type": "sms", "value": "07911 123456", "cost": " "},
		} {
			resp := hlPatch(t, app, auth, "dial-line", map[string]any{"contacts": []any{contact("0800 555 111", ""), c}})
			MustProblem(t, resp, http.StatusUnprocessableEntity, "contacts[1].cost")
		}
	})

	t.Run("OKFreeWithoutCost", func(t *testing.T) {
		var cs []any
		for _, c := range []map[string]any{
			{"type": "phone", "value": "0808 1000 900"},
			{"type": "phone", "value": "999"},
			{"type": "phone", "value": "116 123"},
			{"type": "textphone", "value": "18000"},
			{"type": "textphone", "value": "18001 0800 555 111"},
			{"type": "sms", "value": "999"},
		} {
			cs = append(cs, c)
		}
		MustStatus(t, hlPatch(t, app, auth, "dial-line", map[string]any{"contacts": cs}), http.StatusOK)
	})
}

// TestHelplinesAtChecked checks that at outside a year of now is a 400 naming at on
// every read that takes it, that the bounds themselves are answered, and that an
// answer for at is never marked for shared caches.
func TestHelplinesAtChecked(t *testing.T) {
	app := MustStartApp(t) // the clock is at testEpoch, 2027-02-01T10:00:00Z
	paths := []string{"/api/v1/helplines?at=", "/api/v1/helplines?open_now=true&at=", "/api/v1/helplines/stop-it-now?at=",
		"/embed/helplines?at=", "/embed/helplines.json?at="}

	t.Run("ErrOutOfRange", func(t *testing.T) {
		for _, at := range []string{"0001-01-01T00:00:00Z", "0001-01-01T00:00:01Z", "1970-01-01T00:00:00Z", "2026-02-01T09:59:59Z",
			"2028-02-01T10:00:01Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59+01:00"} {
			for _, path := range paths {
				resp := app.Get(t, path+url.QueryEscape(at))
				MustProblem(t, resp, http.StatusBadRequest, "at")
				hlCheck(t, path+at+" Cache-Control", resp.Header.Get("Cache-Control"), "no-store")
			}
		}
	})

	t.Run("OKBounds", func(t *testing.T) {
		for _, at := range []string{"2026-02-01T10:00:00Z", "2028-02-01T10:00:00Z", "2028-02-01T11:00:00+01:00"} {
			for _, path := range paths {
				MustStatus(t, app.Get(t, path+url.QueryEscape(at)), http.StatusOK)
			}
		}
	})

	t.Run("OKPrivateWithAt", func(t *testing.T) {
		// Saturday: Stop It Now! is closed then, and open now.
		sat := url.QueryEscape(hlSatClosed.Format(time.RFC3339))
		for _, path := range paths {
			resp := app.Get(t, path+sat)
			MustStatus(t, resp, http.StatusOK)
			hlCheck(t, path+" Cache-Control", resp.Header.Get("Cache-Control"), "private, max-age=60")
			base := strings.TrimSuffix(strings.TrimSuffix(path, "at="), "?")
			base = strings.TrimSuffix(base, "&")
			resp = app.Get(t, base)
			MustStatus(t, resp, http.StatusOK)
			if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
				t.Errorf("%s without at: Cache-Control %q, want the public default", base, cc)
			}
		}
		// The answer for now is not the one for at, whatever was asked before.
		hlCheck(t, "at Saturday", hlState(hlGet(t, app, "/api/v1/helplines/stop-it-now?at="+sat).OpenNow, nil), hlState(ptr(false), nil))
		hlCheck(t, "now", hlState(hlGet(t, app, "/api/v1/helplines/stop-it-now").OpenNow, nil), hlState(ptr(true), nil))
	})

	t.Run("OKEditorKeepsNoStore", func(t *testing.T) {
		resp := app.Get(t, "/api/v1/helplines/stop-it-now?at="+url.QueryEscape(hlSatClosed.Format(time.RFC3339)), hlEditor(t, app)...)
		MustStatus(t, resp, http.StatusOK)
		hlCheck(t, "keyed Cache-Control", resp.Header.Get("Cache-Control"), "private, no-store")
	})

	t.Run("ErrCursorOutOfRange", func(t *testing.T) {
		clock := newTestClock(testEpoch)
		app := MustStartApp(t, WithClock(clock))
		l := hlList(t, app, "/api/v1/helplines?limit=1")
		if l.Links.Next == nil {
			t.Fatal("no next page")
		}
		clock.Add(400 * 24 * time.Hour)
		MustProblem(t, app.Get(t, *l.Links.Next), http.StatusBadRequest, "cursor")
	})
}

// TestHelplinesSafeAtClockChanges checks open_now and next_change_at through the API
// at clock changes in three time zones, in both directions, against the one rule:
// a repeated wall-clock time opens at its later instant and closes at its earlier
// one; a skipped time opens and closes at the change.
func TestHelplinesSafeAtClockChanges(t *testing.T) {
	app := MustStartApp(t)
	auth := hlEditor(t, app)
	line := func(slug, zone string, exceptions ...handlers.HoursException) {
		hlCreate(t, app, auth, hlInput(slug, slug, &handlers.OpeningHours{Timezone: zone, Weekly: []handlers.WeeklyInterval{}, Exceptions: exceptions}))
	}
	// London repeats 01:00-02:00 on 31 October and skips it on 28 March.
	line("london-line", "Europe/London",
		handlers.HoursException{Date: "2027-10-31", Opens: "01:30", Closes: "03:00"},
		handlers.HoursException{Date: "2027-03-28", Opens: "00:30", Closes: "01:30"})
	// New York repeats 01:00-02:00 on 7 November and skips 02:00-03:00 on 14 March.
	line("new-york-line", "America/New_York",
		handlers.HoursException{Date: "2027-11-07", Opens: "00:30", Closes: "01:30"},
		handlers.HoursException{Date: "2027-03-14", Opens: "02:30", Closes: "04:00"})
	// Lord Howe repeats 01:30-02:00 on 4 April and skips 02:00-02:30 on 3 October.
	line("lord-howe-line", "Australia/Lord_Howe",
		handlers.HoursException{Date: "2027-04-04", Opens: "01:45", Closes: "03:00"},
		handlers.HoursException{Date: "2027-10-03", Opens: "01:00", Closes: "02:15"})

	tests := []struct {
		name, slug, at, want string
	}{
		{"LondonRepeatedOpeningFirstInstant", "london-line", "2027-10-31T00:30:00Z", "closed until 2027-10-31T01:30:00Z"},
		{"LondonRepeatedOpeningSecondInstant", "london-line", "2027-10-31T01:30:00Z", "open until 2027-10-31T03:00:00Z"},
		{"LondonSkippedClosingBeforeChange", "london-line", "2027-03-28T00:45:00Z", "open until 2027-03-28T01:00:00Z"},
		{"LondonSkippedClosingAfterChange", "london-line", "2027-03-28T01:15:00Z", "closed until 2027-10-31T01:30:00Z"},
		{"NewYorkRepeatedClosingFirstInstant", "new-york-line", "2027-11-07T04:30:00Z", "open until 2027-11-07T05:30:00Z"},
		{"NewYorkRepeatedClosingBetweenInstants", "new-york-line", "2027-11-07T05:45:00Z", "closed for good"},
		{"NewYorkSkippedOpeningBeforeChange", "new-york-line", "2027-03-14T06:45:00Z", "closed until 2027-03-14T07:00:00Z"},
		{"NewYorkSkippedOpeningAtChange", "new-york-line", "2027-03-14T07:00:00Z", "open until 2027-03-14T08:00:00Z"},
		{"LordHoweRepeatedOpeningFirstInstant", "lord-howe-line", "2027-04-03T14:45:00Z", "closed until 2027-04-03T15:15:00Z"},
		{"LordHoweRepeatedOpeningSecondInstant", "lord-howe-line", "2027-04-03T15:15:00Z", "open until 2027-04-03T16:30:00Z"},
		{"LordHoweSkippedClosingBeforeChange", "lord-howe-line", "2027-10-02T15:00:00Z", "open until 2027-10-02T15:30:00Z"},
		{"LordHoweSkippedClosingAfterChange", "lord-howe-line", "2027-10-02T15:35:00Z", "closed for good"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hlGet(t, app, "/api/v1/helplines/"+tt.slug+"?at="+url.QueryEscape(tt.at))
			hlCheck(t, "helpline", hlState(h.OpenNow, h.NextChangeAt), tt.want)
			hlCheck(t, "contacts[0]", hlState(h.Contacts[0].OpenNow, h.Contacts[0].NextChangeAt), tt.want)
			open := hlList(t, app, "/api/v1/helplines?open_now=true&at="+url.QueryEscape(tt.at))
			hlCheck(t, "listed by open_now=true", slices.Contains(hlSlugs(open.Data), tt.slug), strings.HasPrefix(tt.want, "open"))
		})
	}
}
