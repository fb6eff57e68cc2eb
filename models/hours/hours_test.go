package hours

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's time zone files
)

var hoursTestLondon = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}()

// hoursLondon returns a wall-clock time in Europe/London.
func hoursLondon(y int, m time.Month, d, hour, min int) time.Time {
	return time.Date(y, m, d, hour, min, 0, 0, hoursTestLondon)
}

// hoursUTCAt returns an instant given in UTC.
func hoursUTCAt(y int, m time.Month, d, hour, min int) time.Time {
	return time.Date(y, m, d, hour, min, 0, 0, time.UTC)
}

// hoursWeek returns London hours from weekly intervals written as
// "mon,tue 09:00-17:00".
func hoursWeek(intervals ...string) Schedule {
	h := Schedule{Timezone: DefaultTimezone}
	for _, s := range intervals {
		days, rest, _ := strings.Cut(s, " ")
		opens, closes, _ := strings.Cut(rest, "-")
		h.Weekly = append(h.Weekly, Interval{Days: strings.Split(days, ","), Opens: opens, Closes: closes, Overnight: overnight(opens, closes)})
	}
	return h
}

// withExceptions returns h with exceptions added.
func (h Schedule) withExceptions(exceptions ...Exception) Schedule {
	h.Exceptions = append(slices.Clone(h.Exceptions), exceptions...)
	return h
}

// hoursStopItNow is the Stop It Now! helpline's phone hours.
var hoursStopItNow = hoursWeek("mon,tue,wed,thu 09:00-21:00", "fri 09:00-17:00")

type hoursStateCase struct {
	name     string
	hours    Schedule
	at       time.Time
	wantOpen bool
	wantNext time.Time // zero for nil
}

func runHoursStateCases(t *testing.T, cases []hoursStateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if errs := tc.hours.Validate("hours"); errs != nil {
				t.Fatalf("hours are not valid: %v", errs)
			}
			open, next := tc.hours.State(tc.at)
			if open != tc.wantOpen {
				t.Errorf("State(%v) open = %v, want %v", tc.at, open, tc.wantOpen)
			}
			switch {
			case tc.wantNext.IsZero() && next != nil:
				t.Errorf("State(%v) next = %v, want nil", tc.at, next.In(hoursTestLondon))
			case !tc.wantNext.IsZero() && next == nil:
				t.Errorf("State(%v) next = nil, want %v", tc.at, tc.wantNext)
			case next != nil && !next.Equal(tc.wantNext):
				t.Errorf("State(%v) next = %v (%v), want %v (%v)", tc.at,
					next.In(hoursTestLondon), next.UTC(), tc.wantNext.In(hoursTestLondon), tc.wantNext.UTC())
			case next != nil && next.Location() != time.UTC:
				t.Errorf("State(%v) next is in %v, want UTC", tc.at, next.Location())
			}
		})
	}
}

func TestStateStopItNow(t *testing.T) {
	// 2027-06-07 is a Monday in British Summer Time; 2027-01-11 a Monday in GMT.
	runHoursStateCases(t, []hoursStateCase{
		{"open exactly at opening until closing", hoursStopItNow, hoursLondon(2027, 6, 7, 9, 0),
			true, hoursLondon(2027, 6, 7, 21, 0)},
		{"closed 1ns before opening until opening", hoursStopItNow, hoursLondon(2027, 6, 7, 9, 0).Add(-time.Nanosecond),
			false, hoursLondon(2027, 6, 7, 9, 0)},
		{"open 1ns before closing", hoursStopItNow, hoursLondon(2027, 6, 7, 21, 0).Add(-time.Nanosecond),
			true, hoursLondon(2027, 6, 7, 21, 0)},
		{"closed exactly at closing until next morning", hoursStopItNow, hoursLondon(2027, 6, 7, 21, 0),
			false, hoursLondon(2027, 6, 8, 9, 0)},
		{"closed Thursday night until Friday morning", hoursStopItNow, hoursLondon(2027, 6, 10, 23, 0),
			false, hoursLondon(2027, 6, 11, 9, 0)},
		{"open Friday until 17:00", hoursStopItNow, hoursLondon(2027, 6, 11, 16, 59),
			true, hoursLondon(2027, 6, 11, 17, 0)},
		{"closed Friday 17:00 until Monday", hoursStopItNow, hoursLondon(2027, 6, 11, 17, 0),
			false, hoursLondon(2027, 6, 14, 9, 0)},
		{"closed Saturday until Monday", hoursStopItNow, hoursLondon(2027, 6, 12, 12, 0),
			false, hoursLondon(2027, 6, 14, 9, 0)},
		{"closed Sunday night until Monday", hoursStopItNow, hoursLondon(2027, 6, 13, 23, 59),
			false, hoursLondon(2027, 6, 14, 9, 0)},
		{"open at 08:00 UTC in summer", hoursStopItNow, hoursUTCAt(2027, 6, 7, 8, 0),
			true, hoursUTCAt(2027, 6, 7, 20, 0)},
		{"closed at 08:30 UTC in winter", hoursStopItNow, hoursUTCAt(2027, 1, 11, 8, 30),
			false, hoursUTCAt(2027, 1, 11, 9, 0)},
		{"open given in another zone", hoursStopItNow, time.Date(2027, 6, 7, 4, 0, 0, 0, time.FixedZone("EDT", -4*3600)),
			true, hoursUTCAt(2027, 6, 7, 20, 0)},
	})
}

func TestStateClockChanges(t *testing.T) {
	// The clocks go forward at 01:00 UTC on Sunday 2027-03-28 (01:00 GMT becomes
	// 02:00 BST) and back at 01:00 UTC on Sunday 2027-10-31 (02:00 BST becomes
	// 01:00 GMT).
	sunday := hoursWeek("sun 00:00-24:00")
	overnight := hoursWeek("sat 22:00-04:00")
	monday := hoursWeek("mon 09:00-17:00")
	runHoursStateCases(t, []hoursStateCase{
		// Spring.
		{"spring Sunday line closed on Saturday", sunday, hoursUTCAt(2027, 3, 27, 12, 0),
			false, hoursUTCAt(2027, 3, 28, 0, 0)},
		{"spring Sunday line open before the change until 23:00 UTC", sunday, hoursUTCAt(2027, 3, 28, 0, 30),
			true, hoursUTCAt(2027, 3, 28, 23, 0)},
		{"spring Sunday line open after the change until 23:00 UTC", sunday, hoursUTCAt(2027, 3, 28, 1, 0),
			true, hoursUTCAt(2027, 3, 28, 23, 0)},
		{"spring Sunday line closed at midnight BST", sunday, hoursUTCAt(2027, 3, 28, 23, 0),
			false, hoursUTCAt(2027, 4, 3, 23, 0)},
		{"spring overnight line open before the change until 03:00 UTC", overnight, hoursUTCAt(2027, 3, 27, 22, 0),
			true, hoursUTCAt(2027, 3, 28, 3, 0)},
		{"spring overnight line open after the change until 03:00 UTC", overnight, hoursUTCAt(2027, 3, 28, 2, 59),
			true, hoursUTCAt(2027, 3, 28, 3, 0)},
		{"spring overnight line closed at 04:00 BST until next Saturday 22:00 BST", overnight, hoursUTCAt(2027, 3, 28, 3, 0),
			false, hoursUTCAt(2027, 4, 3, 21, 0)},
		{"spring overnight line closed before opening at 22:00 GMT", overnight, hoursUTCAt(2027, 3, 27, 21, 59),
			false, hoursUTCAt(2027, 3, 27, 22, 0)},
		{"spring Monday line before the change opens 08:00 UTC", monday, hoursUTCAt(2027, 3, 28, 0, 30),
			false, hoursUTCAt(2027, 3, 29, 8, 0)},
		{"spring Monday line after the change opens 08:00 UTC", monday, hoursUTCAt(2027, 3, 28, 12, 0),
			false, hoursUTCAt(2027, 3, 29, 8, 0)},
		{"spring Monday line from the Friday before opens 08:00 UTC", monday, hoursUTCAt(2027, 3, 26, 12, 0),
			false, hoursUTCAt(2027, 3, 29, 8, 0)},
		{"spring Monday line open closes 16:00 UTC", monday, hoursUTCAt(2027, 3, 29, 8, 0),
			true, hoursUTCAt(2027, 3, 29, 16, 0)},

		// Autumn.
		{"autumn Sunday line closed on Saturday until 23:00 UTC", sunday, hoursUTCAt(2027, 10, 30, 22, 0),
			false, hoursUTCAt(2027, 10, 30, 23, 0)},
		{"autumn Sunday line open before the change for 25 hours", sunday, hoursUTCAt(2027, 10, 31, 0, 30),
			true, hoursUTCAt(2027, 11, 1, 0, 0)},
		{"autumn Sunday line open after the change until midnight GMT", sunday, hoursUTCAt(2027, 10, 31, 1, 30),
			true, hoursUTCAt(2027, 11, 1, 0, 0)},
		{"autumn Sunday line closed at midnight GMT", sunday, hoursUTCAt(2027, 11, 1, 0, 0),
			false, hoursUTCAt(2027, 11, 7, 0, 0)},
		{"autumn overnight line open before the change until 04:00 UTC", overnight, hoursUTCAt(2027, 10, 30, 21, 0),
			true, hoursUTCAt(2027, 10, 31, 4, 0)},
		{"autumn overnight line open after the change until 04:00 UTC", overnight, hoursUTCAt(2027, 10, 31, 3, 59),
			true, hoursUTCAt(2027, 10, 31, 4, 0)},
		{"autumn overnight line closed at 04:00 GMT until next Saturday 22:00 GMT", overnight, hoursUTCAt(2027, 10, 31, 4, 0),
			false, hoursUTCAt(2027, 11, 6, 22, 0)},
		{"autumn overnight line closed before opening at 22:00 BST", overnight, hoursUTCAt(2027, 10, 30, 20, 59),
			false, hoursUTCAt(2027, 10, 30, 21, 0)},
		{"autumn Monday line before the change opens 09:00 UTC", monday, hoursUTCAt(2027, 10, 31, 0, 30),
			false, hoursUTCAt(2027, 11, 1, 9, 0)},
		{"autumn Monday line after the change opens 09:00 UTC", monday, hoursUTCAt(2027, 10, 31, 12, 0),
			false, hoursUTCAt(2027, 11, 1, 9, 0)},
		{"autumn Monday line from the Friday before opens 09:00 UTC", monday, hoursUTCAt(2027, 10, 29, 12, 0),
			false, hoursUTCAt(2027, 11, 1, 9, 0)},
		{"autumn Monday line open closes 17:00 UTC", monday, hoursUTCAt(2027, 11, 1, 9, 0),
			true, hoursUTCAt(2027, 11, 1, 17, 0)},

		// Wall-clock times that do not exist or happen twice.
		{"skipped opening time opens at the end of the gap", hoursWeek("sun 01:30-03:00"), hoursUTCAt(2027, 3, 28, 0, 59),
			false, hoursUTCAt(2027, 3, 28, 1, 0)},
		{"skipped opening time open at 02:15 BST until 03:00 BST", hoursWeek("sun 01:30-03:00"), hoursUTCAt(2027, 3, 28, 1, 15),
			true, hoursUTCAt(2027, 3, 28, 2, 0)},
		{"skipped opening time open at 02:30 BST until 03:00 BST", hoursWeek("sun 01:30-03:00"), hoursUTCAt(2027, 3, 28, 1, 30),
			true, hoursUTCAt(2027, 3, 28, 2, 0)},
		{"period emptied by the gap is ignored", hoursWeek("sun 01:30-02:00"), hoursUTCAt(2027, 3, 28, 0, 0),
			false, hoursUTCAt(2027, 4, 4, 0, 30)},
		{"periods in and after the skipped hour sorted by instant", hoursWeek("sun 01:10-01:50", "sun 02:00-03:00"), hoursUTCAt(2027, 3, 28, 1, 5),
			true, hoursUTCAt(2027, 3, 28, 2, 0)},
		{"repeated opening time is the later one", hoursWeek("sun 01:00-02:00"), hoursUTCAt(2027, 10, 31, 0, 30),
			false, hoursUTCAt(2027, 10, 31, 1, 0)},
		{"repeated opening time open for one hour", hoursWeek("sun 01:00-02:00"), hoursUTCAt(2027, 10, 31, 1, 0),
			true, hoursUTCAt(2027, 10, 31, 2, 0)},
	})
}

// hoursOneDay returns hours in zone that are open only on one date, from opens
// to closes local time.
func hoursOneDay(zone, date, opens, closes string) Schedule {
	return Schedule{Timezone: zone, Exceptions: []Exception{{Date: date, Opens: opens, Closes: closes, Overnight: overnight(opens, closes)}}}
}

// TestStateSafeAtClockChanges checks the one rule at clock changes, in three time
// zones that change at different times and by different amounts, in both
// directions: a wall-clock time that happens twice opens at the later instant and
// closes at the earlier; a skipped time opens and closes at the change. Each case
// is one that time.Date's own choice gets wrong in at least one of the zones.
func TestStateSafeAtClockChanges(t *testing.T) {
	const london, newYork, lordHowe = "Europe/London", "America/New_York", "Australia/Lord_Howe"
	never := time.Time{}
	runHoursStateCases(t, []hoursStateCase{
		// London: 02:00 BST becomes 01:00 GMT at 01:00 UTC on 31 October, so 01:30
		// happens at 00:30 and at 01:30 UTC; 01:00 GMT becomes 02:00 BST at 01:00 UTC
		// on 28 March, so 01:30 is skipped.
		{"London repeated opening time closed at its first instant", hoursOneDay(london, "2027-10-31", "01:30", "03:00"),
			hoursUTCAt(2027, 10, 31, 0, 30), false, hoursUTCAt(2027, 10, 31, 1, 30)},
		{"London repeated opening time open at its second instant", hoursOneDay(london, "2027-10-31", "01:30", "03:00"),
			hoursUTCAt(2027, 10, 31, 1, 30), true, hoursUTCAt(2027, 10, 31, 3, 0)},
		{"London repeated closing time closes at its first instant", hoursOneDay(london, "2027-10-31", "00:15", "01:30"),
			hoursUTCAt(2027, 10, 30, 23, 15), true, hoursUTCAt(2027, 10, 31, 0, 30)},
		{"London repeated closing time closed between its instants", hoursOneDay(london, "2027-10-31", "00:15", "01:30"),
			hoursUTCAt(2027, 10, 31, 1, 0), false, never},
		{"London skipped opening time closed before the change", hoursOneDay(london, "2027-03-28", "01:30", "03:00"),
			hoursUTCAt(2027, 3, 28, 0, 59), false, hoursUTCAt(2027, 3, 28, 1, 0)},
		{"London skipped opening time open from the change", hoursOneDay(london, "2027-03-28", "01:30", "03:00"),
			hoursUTCAt(2027, 3, 28, 1, 0), true, hoursUTCAt(2027, 3, 28, 2, 0)},
		{"London skipped closing time closes at the change", hoursOneDay(london, "2027-03-28", "00:30", "01:30"),
			hoursUTCAt(2027, 3, 28, 0, 45), true, hoursUTCAt(2027, 3, 28, 1, 0)},
		{"London skipped closing time closed after the change", hoursOneDay(london, "2027-03-28", "00:30", "01:30"),
			hoursUTCAt(2027, 3, 28, 1, 15), false, never},

		// New York: 02:00 EDT becomes 01:00 EST at 06:00 UTC on 7 November, so 01:30
		// happens at 05:30 and at 06:30 UTC; 02:00 EST becomes 03:00 EDT at 07:00 UTC
		// on 14 March, so 02:30 is skipped.
		{"New York repeated opening time closed at its first instant", hoursOneDay(newYork, "2027-11-07", "01:30", "03:00"),
			hoursUTCAt(2027, 11, 7, 5, 30), false, hoursUTCAt(2027, 11, 7, 6, 30)},
		{"New York repeated opening time open at its second instant", hoursOneDay(newYork, "2027-11-07", "01:30", "03:00"),
			hoursUTCAt(2027, 11, 7, 6, 30), true, hoursUTCAt(2027, 11, 7, 8, 0)},
		{"New York repeated closing time closes at its first instant", hoursOneDay(newYork, "2027-11-07", "00:30", "01:30"),
			hoursUTCAt(2027, 11, 7, 4, 30), true, hoursUTCAt(2027, 11, 7, 5, 30)},
		{"New York repeated closing time closed between its instants", hoursOneDay(newYork, "2027-11-07", "00:30", "01:30"),
			hoursUTCAt(2027, 11, 7, 6, 0), false, never},
		{"New York skipped opening time closed before the change", hoursOneDay(newYork, "2027-03-14", "02:30", "04:00"),
			hoursUTCAt(2027, 3, 14, 6, 45), false, hoursUTCAt(2027, 3, 14, 7, 0)},
		{"New York skipped opening time open from the change", hoursOneDay(newYork, "2027-03-14", "02:30", "04:00"),
			hoursUTCAt(2027, 3, 14, 7, 0), true, hoursUTCAt(2027, 3, 14, 8, 0)},
		{"New York skipped closing time open until the change", hoursOneDay(newYork, "2027-03-14", "01:00", "02:30"),
			hoursUTCAt(2027, 3, 14, 6, 40), true, hoursUTCAt(2027, 3, 14, 7, 0)},
		{"New York skipped closing time closed after the change", hoursOneDay(newYork, "2027-03-14", "01:00", "02:30"),
			hoursUTCAt(2027, 3, 14, 7, 0), false, never},

		// Lord Howe Island moves by 30 minutes: 02:00 (+11) becomes 01:30 (+10:30) at
		// 15:00 UTC on 3 April, so 01:45 happens at 14:45 and at 15:15 UTC; 02:00
		// (+10:30) becomes 02:30 (+11) at 15:30 UTC on 2 October, so 02:15 is skipped.
		{"Lord Howe repeated opening time closed at its first instant", hoursOneDay(lordHowe, "2027-04-04", "01:45", "03:00"),
			hoursUTCAt(2027, 4, 3, 14, 45), false, hoursUTCAt(2027, 4, 3, 15, 15)},
		{"Lord Howe repeated opening time open at its second instant", hoursOneDay(lordHowe, "2027-04-04", "01:45", "03:00"),
			hoursUTCAt(2027, 4, 3, 15, 15), true, hoursUTCAt(2027, 4, 3, 16, 30)},
		{"Lord Howe repeated closing time closes at its first instant", hoursOneDay(lordHowe, "2027-04-04", "01:00", "01:45"),
			hoursUTCAt(2027, 4, 3, 14, 0), true, hoursUTCAt(2027, 4, 3, 14, 45)},
		{"Lord Howe repeated closing time closed between its instants", hoursOneDay(lordHowe, "2027-04-04", "01:00", "01:45"),
			hoursUTCAt(2027, 4, 3, 14, 50), false, never},
		{"Lord Howe skipped opening time closed before the change", hoursOneDay(lordHowe, "2027-10-03", "02:15", "03:00"),
			hoursUTCAt(2027, 10, 2, 15, 29), false, hoursUTCAt(2027, 10, 2, 15, 30)},
		{"Lord Howe skipped opening time open from the change", hoursOneDay(lordHowe, "2027-10-03", "02:15", "03:00"),
			hoursUTCAt(2027, 10, 2, 15, 30), true, hoursUTCAt(2027, 10, 2, 16, 0)},
		{"Lord Howe skipped closing time open until the change", hoursOneDay(lordHowe, "2027-10-03", "01:00", "02:15"),
			hoursUTCAt(2027, 10, 2, 15, 0), true, hoursUTCAt(2027, 10, 2, 15, 30)},
		{"Lord Howe skipped closing time closed after the change", hoursOneDay(lordHowe, "2027-10-03", "01:00", "02:15"),
			hoursUTCAt(2027, 10, 2, 15, 35), false, never},

		// Intervals that meet on the wall clock are one period, so a line open
		// through a repeated or skipped time does not close in it.
		{"London intervals meeting at a repeated time stay open", hoursWeek("sun 00:00-01:30", "sun 01:30-05:00"),
			hoursUTCAt(2027, 10, 31, 0, 45), true, hoursUTCAt(2027, 10, 31, 5, 0)},
		{"London intervals meeting at a skipped time stay open", hoursWeek("sun 00:00-01:30", "sun 01:30-05:00"),
			hoursUTCAt(2027, 3, 28, 0, 59), true, hoursUTCAt(2027, 3, 28, 4, 0)},
		{"open round the clock where midnight is skipped", Schedule{Timezone: "America/Santiago", Weekly: AlwaysOpen().Weekly},
			hoursUTCAt(2027, 9, 5, 3, 59), true, never},
		{"open every day all day where midnight is skipped", Schedule{Timezone: "America/Santiago", Weekly: hoursWeek("sat 00:00-24:00", "sun 00:00-24:00").Weekly},
			hoursUTCAt(2027, 9, 5, 4, 0), true, hoursUTCAt(2027, 9, 6, 3, 0)},
	})
}

func TestStateOvernight(t *testing.T) {
	// 2027-06-07 is a Monday.
	monNight := hoursWeek("mon 22:00-02:00")
	runHoursStateCases(t, []hoursStateCase{
		{"open overnight before midnight until 02:00", monNight, hoursLondon(2027, 6, 7, 23, 0),
			true, hoursLondon(2027, 6, 8, 2, 0)},
		{"open overnight after midnight until 02:00", monNight, hoursLondon(2027, 6, 8, 1, 59),
			true, hoursLondon(2027, 6, 8, 2, 0)},
		{"closed overnight at 02:00 until next Monday", monNight, hoursLondon(2027, 6, 8, 2, 0),
			false, hoursLondon(2027, 6, 14, 22, 0)},
		{"closed on Monday until 22:00", monNight, hoursLondon(2027, 6, 7, 12, 0),
			false, hoursLondon(2027, 6, 7, 22, 0)},
		{"open Sunday night past the end of the week", hoursWeek("sun 22:00-02:00"), hoursLondon(2027, 6, 7, 1, 0),
			true, hoursLondon(2027, 6, 7, 2, 0)},
		{"open until midnight merged with next morning", hoursWeek("mon 18:00-00:00", "tue 00:00-08:00"), hoursLondon(2027, 6, 7, 19, 0),
			true, hoursLondon(2027, 6, 8, 8, 0)},
		{"open overnight merged with next day's interval", hoursWeek("fri 20:00-02:00", "sat 02:00-06:00"), hoursLondon(2027, 6, 11, 20, 0),
			true, hoursLondon(2027, 6, 12, 6, 0)},
		{"open in adjacent intervals on one day", hoursWeek("mon 09:00-12:00", "mon 12:00-17:00"), hoursLondon(2027, 6, 7, 10, 0),
			true, hoursLondon(2027, 6, 7, 17, 0)},
		{"open all day on consecutive days until the real end", hoursWeek("mon 00:00-24:00", "tue 00:00-24:00"), hoursLondon(2027, 6, 7, 10, 0),
			true, hoursLondon(2027, 6, 9, 0, 0)},
		{"open every night but Sunday until Monday morning", hoursWeek("mon,tue,wed,thu,fri,sat 18:00-08:00"), hoursLondon(2027, 6, 12, 20, 0),
			true, hoursLondon(2027, 6, 13, 8, 0)},
	})
}

func TestStateAlwaysOpen(t *testing.T) {
	christmas := AlwaysOpen().withExceptions(Exception{Date: "2027-12-25", Closed: true, Note: "Christmas Day"})
	runHoursStateCases(t, []hoursStateCase{
		{"open with no next change", AlwaysOpen(), hoursLondon(2027, 6, 7, 12, 0), true, time.Time{}},
		{"open across a clock change with no next change", AlwaysOpen(), hoursUTCAt(2027, 3, 28, 1, 0), true, time.Time{}},
		{"open in two intervals with no next change", hoursWeek("mon,tue,wed,thu,fri 00:00-24:00", "sat,sun 00:00-24:00"),
			hoursLondon(2027, 6, 7, 12, 0), true, time.Time{}},
		{"open in overnight shifts with no next change", hoursWeek("mon,tue,wed,thu,fri,sat,sun 08:00-20:00", "mon,tue,wed,thu,fri,sat,sun 20:00-08:00"),
			hoursLondon(2027, 6, 7, 12, 0), true, time.Time{}},
		{"open in shifts until the night before a closed day ends", hoursWeek("mon,tue,wed,thu,fri,sat,sun 08:00-20:00", "mon,tue,wed,thu,fri,sat,sun 20:00-08:00").withExceptions(
			Exception{Date: "2027-12-25", Closed: true}), hoursLondon(2027, 12, 1, 12, 0), true, hoursLondon(2027, 12, 25, 8, 0)},
		{"open until a closed day starts at local midnight", christmas, hoursLondon(2027, 12, 20, 12, 0),
			true, hoursUTCAt(2027, 12, 25, 0, 0)},
		{"closed on the closed day until the next", christmas, hoursLondon(2027, 12, 25, 12, 0),
			false, hoursUTCAt(2027, 12, 26, 0, 0)},
		{"open after the closed day with no next change", christmas, hoursLondon(2027, 12, 26, 0, 0), true, time.Time{}},
		{"open until a closed day in summer at midnight BST", AlwaysOpen().withExceptions(Exception{Date: "2027-07-01", Closed: true}),
			hoursLondon(2027, 6, 7, 12, 0), true, hoursUTCAt(2027, 6, 30, 23, 0)},
		{"open until a closed day most of a year ahead", christmas, hoursLondon(2027, 1, 2, 12, 0),
			true, hoursUTCAt(2027, 12, 25, 0, 0)},
		{"open with a closed day beyond the search", christmas, hoursLondon(2026, 11, 1, 12, 0), true, time.Time{}},
		{"open until a day of special hours", AlwaysOpen().withExceptions(Exception{Date: "2027-12-24", Opens: "10:00", Closes: "14:00"}),
			hoursLondon(2027, 12, 23, 12, 0), true, hoursLondon(2027, 12, 24, 0, 0)},
		{"closed on a day of special hours until they start", AlwaysOpen().withExceptions(Exception{Date: "2027-12-24", Opens: "10:00", Closes: "14:00"}),
			hoursLondon(2027, 12, 24, 9, 0), false, hoursLondon(2027, 12, 24, 10, 0)},
		{"closed after special hours until the next day", AlwaysOpen().withExceptions(Exception{Date: "2027-12-24", Opens: "10:00", Closes: "14:00"}),
			hoursLondon(2027, 12, 24, 14, 0), false, hoursLondon(2027, 12, 25, 0, 0)},
	})
}

func TestStateExceptions(t *testing.T) {
	christmasEve := hoursStopItNow.withExceptions(Exception{Date: "2027-12-24", Opens: "10:00", Closes: "14:00", Note: "Christmas Eve"})
	bankHoliday := hoursStopItNow.withExceptions(Exception{Date: "2027-05-31", Closed: true, Note: "Spring bank holiday"})
	runHoursStateCases(t, []hoursStateCase{
		{"closed before special hours until they start", christmasEve, hoursLondon(2027, 12, 24, 9, 0),
			false, hoursLondon(2027, 12, 24, 10, 0)},
		{"open in special hours until they end", christmasEve, hoursLondon(2027, 12, 24, 12, 0),
			true, hoursLondon(2027, 12, 24, 14, 0)},
		{"closed after special hours until Monday", christmasEve, hoursLondon(2027, 12, 24, 14, 0),
			false, hoursLondon(2027, 12, 27, 9, 0)},
		{"closed Friday evening until Tuesday after a bank holiday", bankHoliday, hoursLondon(2027, 5, 28, 17, 0),
			false, hoursLondon(2027, 6, 1, 9, 0)},
		{"closed on the bank holiday until Tuesday", bankHoliday, hoursLondon(2027, 5, 31, 10, 0),
			false, hoursLondon(2027, 6, 1, 9, 0)},
		{"open the Thursday before a bank holiday as usual", bankHoliday, hoursLondon(2027, 5, 27, 10, 0),
			true, hoursLondon(2027, 5, 27, 21, 0)},
		{"open the week after a bank holiday as usual", bankHoliday, hoursLondon(2027, 6, 7, 10, 0),
			true, hoursLondon(2027, 6, 7, 21, 0)},
		{"open in the night before a closed day until the night ends", hoursWeek("mon 22:00-02:00").withExceptions(Exception{Date: "2027-06-08", Closed: true}),
			hoursLondon(2027, 6, 7, 23, 0), true, hoursLondon(2027, 6, 8, 2, 0)},
		{"closed on a closed Monday night until the next one", hoursWeek("mon 22:00-02:00").withExceptions(Exception{Date: "2027-06-07", Closed: true}),
			hoursLondon(2027, 6, 7, 23, 0), false, hoursLondon(2027, 6, 14, 22, 0)},
		{"open in special overnight hours until the next day", hoursStopItNow.withExceptions(Exception{Date: "2027-06-12", Opens: "20:00", Closes: "02:00", Overnight: true}),
			hoursLondon(2027, 6, 12, 23, 0), true, hoursLondon(2027, 6, 13, 2, 0)},
		{"open in special hours merged with weekly hours", hoursStopItNow.withExceptions(Exception{Date: "2027-06-06", Opens: "18:00", Closes: "09:00", Overnight: true}),
			hoursLondon(2027, 6, 6, 18, 0), true, hoursLondon(2027, 6, 7, 21, 0)},
		{"open as usual after a past exception", hoursStopItNow.withExceptions(Exception{Date: "2027-06-01", Closed: true}),
			hoursLondon(2027, 6, 7, 10, 0), true, hoursLondon(2027, 6, 7, 21, 0)},
		{"closed until a one-off opening", Schedule{Exceptions: []Exception{{Date: "2027-12-24", Opens: "10:00", Closes: "14:00"}}},
			hoursLondon(2027, 6, 7, 10, 0), false, hoursLondon(2027, 12, 24, 10, 0)},
		{"open in a one-off opening until it ends", Schedule{Exceptions: []Exception{{Date: "2027-12-24", Opens: "10:00", Closes: "14:00"}}},
			hoursLondon(2027, 12, 24, 10, 0), true, hoursLondon(2027, 12, 24, 14, 0)},
		{"closed after a one-off opening with no next change", Schedule{Exceptions: []Exception{{Date: "2027-12-24", Opens: "10:00", Closes: "14:00"}}},
			hoursLondon(2027, 12, 24, 14, 0), false, time.Time{}},
		{"closed in other time zone until its opening", Schedule{Timezone: "America/New_York", Weekly: []Interval{{Days: []string{"mon"}, Opens: "09:00", Closes: "17:00"}}},
			hoursUTCAt(2027, 6, 7, 12, 0), false, hoursUTCAt(2027, 6, 7, 13, 0)},
	})
}

func TestStateUnknown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hours Schedule
	}{
		{"closed with no next change when empty", Schedule{}},
		{"closed with no next change when only a time zone", Schedule{Timezone: DefaultTimezone}},
		{"closed with no next change in an unknown time zone", Schedule{Timezone: "Mars/Olympus_Mons", Weekly: AlwaysOpen().Weekly}},
		{"closed with no next change when all exceptions are closed", Schedule{Exceptions: []Exception{{Date: "2027-12-25", Closed: true}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open, next := tc.hours.State(hoursLondon(2027, 6, 7, 12, 0))
			if open || next != nil {
				t.Errorf("State = %v, %v; want false, nil", open, next)
			}
		})
	}
}

// TestStateMatchesBruteForce compares State with a slow reference that checks
// every minute, for random valid hours in the week before a clock change, in
// time zones that change at different times of day and by different amounts.
func TestStateMatchesBruteForce(t *testing.T) {
	zones := []string{
		"Europe/London",       // forward and back at 01:00 UTC
		"America/New_York",    // west of UTC, so time.Date moves skipped times back
		"America/Santiago",    // changes at midnight
		"Australia/Lord_Howe", // changes by 30 minutes
	}
	rng := rand.New(rand.NewPCG(1, 2))
	clock := func() string {
		m := rng.IntN(48) * 30
		if rng.IntN(4) == 0 {
			m = rng.IntN(24*60 + 1)
		}
		return time.Date(2000, 1, 1, 0, m, 0, 0, time.UTC).Format("15:04")
	}
	for _, zone := range zones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		var changes []time.Time
		for u := hoursUTCAt(2027, 1, 1, 0, 0).In(loc); ; {
			_, end := u.ZoneBounds()
			if end.IsZero() || end.Year() != 2027 {
				break
			}
			changes, u = append(changes, end), end
		}
		if len(changes) != 2 {
			t.Fatalf("%s: found clock changes %v in 2027, want 2", zone, changes)
		}
		t.Run("matches in "+zone, func(t *testing.T) {
			for checked := 0; checked < 150; {
				h := Schedule{Timezone: zone}
				for range 1 + rng.IntN(4) {
					var days []string
					for _, d := range dayKeys {
						if rng.IntN(3) == 0 {
							days = append(days, d)
						}
					}
					h.Weekly = append(h.Weekly, randomInterval(days, clock(), clock()))
				}
				switch rng.IntN(6) {
				case 0, 1:
					h.Weekly = AlwaysOpen().Weekly
				case 2:
					// Always open in two shifts, one of them overnight.
					a, b := clock(), clock()
					h.Weekly = hoursWeek("mon,tue,wed,thu,fri,sat,sun "+a+"-"+b, "mon,tue,wed,thu,fri,sat,sun "+b+"-"+a).Weekly
				}
				start := changes[rng.IntN(len(changes))].AddDate(0, 0, -7)
				for range rng.IntN(3) {
					date := start.In(loc).AddDate(0, 0, rng.IntN(10)).Format("2006-01-02")
					if rng.IntN(2) == 0 {
						h.Exceptions = append(h.Exceptions, Exception{Date: date, Closed: true})
					} else {
						h.Exceptions = append(h.Exceptions, randomException(date, clock(), clock()))
					}
				}
				if h.Validate("") != nil {
					continue
				}
				checked++
				at := start.Add(time.Duration(rng.IntN(10*24*60)) * time.Minute)
				open, next := h.State(at)

				// The reference builds every period from two days before to 17
				// days after, joins those that meet on the wall clock, makes them
				// instants by a search of its own, and steps one minute at a time.
				s := compile(h)
				y, m, d := at.In(loc).Date()
				var walls [][2]int
				for k := -2; k <= 17; k++ {
					day := dayNumber(y, m, d) + k
					for _, sp := range s.spansOn(day, nil) {
						walls = append(walls, [2]int{day*dayLength + sp.open, day*dayLength + sp.close})
					}
				}
				slices.SortFunc(walls, func(a, b [2]int) int { return a[0] - b[0] })
				var periods [][2]time.Time
				for i := 0; i < len(walls); {
					p := walls[i]
					for i++; i < len(walls) && walls[i][0] <= p[1]; i++ {
						p[1] = max(p[1], walls[i][1])
					}
					periods = append(periods, [2]time.Time{referenceInstant(loc, p[0], true), referenceInstant(loc, p[1], false)})
				}
				openAt := func(u time.Time) bool {
					return slices.ContainsFunc(periods, func(p [2]time.Time) bool { return !u.Before(p[0]) && u.Before(p[1]) })
				}
				wantOpen := openAt(at)
				var wantNext *time.Time
				for u := at.Add(time.Minute); u.Before(at.AddDate(0, 0, 15)); u = u.Add(time.Minute) {
					if openAt(u) != wantOpen {
						wantNext = &u
						break
					}
				}
				if open != wantOpen || (wantNext == nil) != (next == nil) || (next != nil && !next.Equal(*wantNext)) {
					data, _ := json.Marshal(h)
					t.Fatalf("State(%v) = %v, %v; want %v, %v\nhours: %s", at, open, next, wantOpen, wantNext, data)
				}
			}
		})
	}
}

// referenceInstant is instant done the slow way, for TestStateMatchesBruteForce:
// it tries every UTC offset in use in the two days around the wall-clock time,
// keeps those at which loc shows that time, and for a skipped time looks for the
// first instant after it.
func referenceInstant(loc *time.Location, wall int, opening bool) time.Time {
	w := time.Unix(int64(wall)*60, 0).UTC()
	shows := func(u time.Time) bool { return u.In(loc).Format(time.DateTime) == w.Format(time.DateTime) }
	var found []time.Time
	for h := -48; h <= 48; h++ {
		_, off := w.Add(time.Duration(h) * time.Hour).In(loc).Zone()
		if u := w.Add(-time.Duration(off) * time.Second); shows(u) && !slices.ContainsFunc(found, u.Equal) {
			found = append(found, u)
		}
	}
	if len(found) > 0 {
		slices.SortFunc(found, time.Time.Compare)
		if opening {
			return found[len(found)-1]
		}
		return found[0]
	}
	// Skipped: the first minute whose wall-clock time is later.
	for u := w.Add(-15 * time.Hour); ; u = u.Add(time.Minute) {
		local := u.In(loc)
		if time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), 0, 0, time.UTC).After(w) {
			return u
		}
	}
}

func TestValidate(t *testing.T) {
	weekly := func(days []string, opens, closes string) Schedule {
		return Schedule{Weekly: []Interval{{Days: days, Opens: opens, Closes: closes, Overnight: overnight(opens, closes)}}}
	}
	exception := func(e Exception) Schedule { return hoursStopItNow.withExceptions(e) }
	for _, tc := range []struct {
		name  string
		hours Schedule
		want  []string // fields, without the "hours" prefix
	}{
		{"valid Stop It Now hours", hoursStopItNow, nil},
		{"valid always open", AlwaysOpen(), nil},
		{"valid empty hours", Schedule{}, nil},
		{"valid in another time zone", Schedule{Timezone: "America/New_York", Weekly: hoursStopItNow.Weekly}, nil},
		{"valid overnight before a morning", hoursWeek("mon 22:00-02:00", "tue 02:00-17:00"), nil},
		{"valid overnight from Sunday into Monday", hoursWeek("sun 22:00-02:00", "mon 02:00-17:00"), nil},
		{"valid closing at midnight as 00:00", hoursWeek("fri 18:00-00:00", "sat 00:00-06:00"), nil},
		{"valid adjacent intervals", hoursWeek("mon 09:00-12:00", "mon 12:00-17:00"), nil},
		{"valid exceptions", hoursStopItNow.withExceptions(
			Exception{Date: "2027-12-24", Opens: "10:00", Closes: "14:00", Note: "Christmas Eve"},
			Exception{Date: "2027-12-25", Closed: true},
			Exception{Date: "2027-12-26", Opens: "22:00", Closes: "02:00", Overnight: true},
		), nil},
		{"valid exception after an overnight spill", hoursWeek("mon 22:00-02:00").withExceptions(Exception{Date: "2027-06-08", Opens: "02:00", Closes: "05:00"}), nil},

		{"invalid unknown time zone", Schedule{Timezone: "Mars/Olympus_Mons"}, []string{".timezone"}},
		{"invalid Local time zone", Schedule{Timezone: "Local"}, []string{".timezone"}},
		{"invalid day name", weekly([]string{"mon", "Tuesday"}, "09:00", "17:00"), []string{".weekly[0].days[1]"}},
		{"invalid upper-case day name", weekly([]string{"MON"}, "09:00", "17:00"), []string{".weekly[0].days[0]"}},
		{"invalid repeated day", weekly([]string{"mon", "mon"}, "09:00", "17:00"), []string{".weekly[0].days[1]"}},
		{"invalid empty days", weekly(nil, "09:00", "17:00"), []string{".weekly[0].days"}},
		{"invalid opening time without leading zero", weekly([]string{"mon"}, "9:00", "17:00"), []string{".weekly[0].opens"}},
		{"invalid opening time 24:00", weekly([]string{"mon"}, "24:00", "17:00"), []string{".weekly[0].opens"}},
		{"invalid missing opening time", weekly([]string{"mon"}, "", "17:00"), []string{".weekly[0].opens"}},
		{"invalid closing time 24:30", weekly([]string{"mon"}, "09:00", "24:30"), []string{".weekly[0].closes"}},
		{"invalid closing time 25:00", weekly([]string{"mon"}, "09:00", "25:00"), []string{".weekly[0].closes"}},
		{"invalid closing minute 60", weekly([]string{"mon"}, "09:00", "12:60"), []string{".weekly[0].closes"}},
		{"invalid closing time with seconds", weekly([]string{"mon"}, "09:00", "17:00:00"), []string{".weekly[0].closes"}},
		{"invalid closing equal to opening", weekly([]string{"mon"}, "09:00", "09:00"), []string{".weekly[0].closes"}},
		{"invalid closing 00:00 equal to opening 00:00", weekly([]string{"mon"}, "00:00", "00:00"), []string{".weekly[0].closes"}},
		{"invalid overlap on one day", hoursWeek("mon,tue 09:00-17:00", "tue 16:00-18:00"), []string{".weekly[1]"}},
		{"invalid overlap of an overnight spill", hoursWeek("mon 22:00-02:00", "tue 01:00-05:00"), []string{".weekly[1]"}},
		{"invalid overlap of a Sunday spill into Monday", hoursWeek("mon 00:00-03:00", "sun 23:00-01:00"), []string{".weekly[1]"}},
		{"invalid overlap with always open", hoursWeek("mon,tue,wed,thu,fri,sat,sun 00:00-24:00", "mon 09:00-17:00"), []string{".weekly[1]"}},
		{"invalid exception without a date", exception(Exception{Closed: true}), []string{".exceptions[0].date"}},
		{"invalid exception date February 30", exception(Exception{Date: "2027-02-30", Closed: true}), []string{".exceptions[0].date"}},
		{"invalid exception date format", exception(Exception{Date: "25/12/2027", Closed: true}), []string{".exceptions[0].date"}},
		{"invalid duplicate exception date", exception(Exception{Date: "2027-12-25", Closed: true}).withExceptions(
			Exception{Date: "2027-12-25", Opens: "10:00", Closes: "12:00"}), []string{".exceptions[1].date"}},
		{"invalid exception closed with hours", exception(Exception{Date: "2027-12-25", Closed: true, Opens: "10:00", Closes: "12:00"}), []string{".exceptions[0]"}},
		{"invalid exception neither closed nor hours", exception(Exception{Date: "2027-12-25", Note: "Christmas Day"}), []string{".exceptions[0]"}},
		{"invalid exception without a closing time", exception(Exception{Date: "2027-12-25", Opens: "10:00"}), []string{".exceptions[0].closes"}},
		{"invalid exception opening time", exception(Exception{Date: "2027-12-25", Opens: "10am", Closes: "12:00"}), []string{".exceptions[0].opens"}},
		{"invalid closing before opening without overnight", Schedule{Weekly: []Interval{{Days: []string{"mon"}, Opens: "17:00", Closes: "09:00"}}}, []string{".weekly[0].closes"}},
		{"invalid overnight on hours within one day", Schedule{Weekly: []Interval{{Days: []string{"mon"}, Opens: "09:00", Closes: "17:00", Overnight: true}}}, []string{".weekly[0].overnight"}},
		{"invalid exception closing before opening without overnight", exception(Exception{Date: "2027-12-25", Opens: "14:00", Closes: "10:00"}), []string{".exceptions[0].closes"}},
		{"invalid exception closing equal to opening", exception(Exception{Date: "2027-12-25", Opens: "10:00", Closes: "10:00"}), []string{".exceptions[0].closes"}},
		{"invalid exception overlapping the night before", hoursWeek("mon 22:00-02:00").withExceptions(Exception{Date: "2027-06-08", Opens: "01:00", Closes: "05:00"}), []string{".exceptions[0]"}},
		{"invalid exception overnight into the next day", hoursStopItNow.withExceptions(Exception{Date: "2027-06-06", Opens: "20:00", Closes: "10:00", Overnight: true}), []string{".exceptions[0]"}},
		{"invalid exception overnight into the next exception", hoursStopItNow.withExceptions(
			Exception{Date: "2027-12-24", Opens: "20:00", Closes: "10:00", Overnight: true},
			Exception{Date: "2027-12-25", Opens: "09:00", Closes: "12:00"}), []string{".exceptions[1]"}},
		{"invalid several fields", Schedule{Timezone: "Nowhere", Weekly: []Interval{{Opens: "9", Closes: "17"}}},
			[]string{".timezone", ".weekly[0].days", ".weekly[0].opens", ".weekly[0].closes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := tc.hours.Validate("hours")
			if tc.want == nil {
				if errs != nil {
					t.Fatalf("Validate = %v, want nil", errs)
				}
				return
			}
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
				if e.Message == "" {
					t.Errorf("field %s has no message", e.Field)
				}
			}
			var want []string
			for _, f := range tc.want {
				want = append(want, "hours"+f)
			}
			if !slices.Equal(fields, want) {
				t.Errorf("Validate fields = %q, want %q; errors: %v", fields, want, errs)
			}
		})
	}
}

func TestValidatePrefix(t *testing.T) {
	errs := Schedule{Timezone: "Nowhere"}.Validate("contacts[2].hours")
	if len(errs) != 1 || errs[0].Field != "contacts[2].hours.timezone" {
		t.Errorf("Validate = %v, want one error for contacts[2].hours.timezone", errs)
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hours Schedule
		want  string
	}{
		{"empty for unknown hours", Schedule{}, ""},
		{"grouped days for Stop It Now", hoursStopItNow, "Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time)"},
		{"24 hours for always open", AlwaysOpen(), "Open 24 hours, every day"},
		{"24 hours for always open in two intervals", hoursWeek("mon,tue,wed,thu,fri 00:00-24:00", "sat,sun 00:00-24:00"), "Open 24 hours, every day"},
		{"overnight on the opening day", hoursWeek("mon 22:00-02:00"), "Monday 10pm–2am (UK time)"},
		{"noon as 12pm and minutes", hoursWeek("mon 12:00-17:30"), "Monday 12pm–5:30pm (UK time)"},
		{"minutes after the hour", hoursWeek("tue 09:30-17:00"), "Tuesday 9:30am–5pm (UK time)"},
		{"midnight by name", hoursWeek("fri 18:00-24:00", "sat 00:00-06:00"), "Friday 6pm–midnight; Saturday midnight–6am (UK time)"},
		{"separate days listed", hoursWeek("mon,wed,fri 09:00-17:00"), "Monday, Wednesday and Friday 9am–5pm (UK time)"},
		{"a run and a separate day", hoursWeek("fri,mon,tue,wed 09:00-17:00"), "Monday to Wednesday and Friday 9am–5pm (UK time)"},
		{"two consecutive days joined by and", hoursWeek("sat,sun 10:00-16:00"), "Saturday and Sunday 10am–4pm (UK time)"},
		{"every day", hoursWeek("mon,tue,wed,thu,fri,sat,sun 08:00-20:00"), "Every day 8am–8pm (UK time)"},
		{"whole days as 24 hours", hoursWeek("mon,tue,wed,thu,fri 09:00-17:00", "sat,sun 00:00-24:00"),
			"Monday to Friday 9am–5pm; Saturday and Sunday 24 hours (UK time)"},
		{"days grouped by the same hours", hoursWeek("mon,tue,wed,thu,fri 09:00-17:00", "tue 18:00-20:00"),
			"Monday and Wednesday to Friday 9am–5pm; Tuesday 9am–5pm and 6pm–8pm (UK time)"},
		{"another time zone named", Schedule{Timezone: "America/New_York", Weekly: hoursWeek("mon 09:00-17:00").Weekly},
			"Monday 9am–5pm (America/New_York)"},
		{"exceptions after weekly hours in date order", hoursStopItNow.withExceptions(
			Exception{Date: "2027-12-25", Closed: true, Note: "Christmas Day"},
			Exception{Date: "2027-12-24", Opens: "10:00", Closes: "14:00"}),
			"Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time); 24 December 2027: 10am–2pm; Closed on 25 December 2027 (Christmas Day)"},
		{"exception with hours and a note", hoursStopItNow.withExceptions(Exception{Date: "2027-12-24", Opens: "10:00", Closes: "14:00", Note: "Christmas Eve"}),
			"Monday to Thursday 9am–9pm; Friday 9am–5pm (UK time); 24 December 2027 (Christmas Eve): 10am–2pm"},
		{"always open with a closed day", AlwaysOpen().withExceptions(Exception{Date: "2027-12-25", Closed: true, Note: "Christmas Day"}),
			"Open 24 hours, every day; Closed on 25 December 2027 (Christmas Day)"},
		{"only exceptions with the time zone last", Schedule{Exceptions: []Exception{{Date: "2027-12-24", Opens: "10:00", Closes: "14:00"}}},
			"24 December 2027: 10am–2pm (UK time)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.hours.Text(); got != tc.want {
				t.Errorf("Text() = %q\nwant     %q", got, tc.want)
			}
		})
	}
}

func TestHoursAlwaysOpen(t *testing.T) {
	h := AlwaysOpen()
	if h.IsZero() {
		t.Error("AlwaysOpen().IsZero() = true")
	}
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"timezone":"Europe/London","weekly":[{"days":["mon","tue","wed","thu","fri","sat","sun"],"opens":"00:00","closes":"24:00"}]}`
	if string(data) != want {
		t.Errorf("JSON = %s\nwant   %s", data, want)
	}
}

func TestHoursIsZero(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hours Schedule
		want  bool
	}{
		{"zero when empty", Schedule{}, true},
		{"zero with only a time zone", Schedule{Timezone: "Europe/London"}, true},
		{"not zero with weekly hours", hoursStopItNow, false},
		{"not zero with only an exception", Schedule{Exceptions: []Exception{{Date: "2027-12-25", Closed: true}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.hours.IsZero(); got != tc.want {
				t.Errorf("IsZero() = %v, want %v", got, tc.want)
			}
		})
	}
}

func BenchmarkState(b *testing.B) {
	bankHoliday := hoursStopItNow.withExceptions(Exception{Date: "2027-05-31", Closed: true}, Exception{Date: "2027-12-25", Closed: true})
	for _, bc := range []struct {
		name  string
		hours Schedule
		at    time.Time
	}{
		{"StopItNowOpen", bankHoliday, hoursLondon(2027, 6, 7, 12, 0)},
		{"StopItNowWeekend", bankHoliday, hoursLondon(2027, 5, 29, 12, 0)},
		{"AlwaysOpen", AlwaysOpen(), hoursLondon(2027, 6, 7, 12, 0)},
		{"AlwaysOpenClosedDayFarAhead", AlwaysOpen().withExceptions(Exception{Date: "2027-12-25", Closed: true}), hoursLondon(2027, 1, 2, 12, 0)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.hours.State(bc.at)
			}
		})
	}
}

// overnight says whether an interval from opens to closes runs past midnight, as
// editors must then say.
func overnight(opens, closes string) bool {
	return closes < opens && closes != "00:00"
}

func randomInterval(days []string, opens, closes string) Interval {
	return Interval{Days: days, Opens: opens, Closes: closes, Overnight: overnight(opens, closes)}
}

func randomException(date, opens, closes string) Exception {
	return Exception{Date: date, Opens: opens, Closes: closes, Overnight: overnight(opens, closes)}
}
