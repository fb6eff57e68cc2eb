// Package hours is the rule set of opening hours: weekly intervals in a named
// time zone with dated exceptions, whether they are open at an instant and when
// that next changes, and their description in words. It knows nothing of
// helplines, storage or HTTP.
package hours

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultTimezone is the time zone of opening hours that do not name one.
const DefaultTimezone = "Europe/London"

// Schedule is the hours at which a helpline or one of its channels can be
// contacted. Its JSON form, given by the tags, is the one interchange format of
// opening hours: the store keeps it in a column and the API shows the same shape.
//
// The hours listed for a date are the periods that begin on that date: a weekly
// interval from 22:00 to 02:00 on Monday is open from Monday 22:00 to Tuesday
// 02:00. An exception replaces the periods that begin on its date, but it does
// not cut short a period that began the day before: a Monday 22:00–02:00
// interval still runs until 02:00 on a Tuesday that is closed all day. To close
// that night as well, add an exception for the Monday.
type Schedule struct {
	// Timezone is an IANA time zone name such as "Europe/London"; empty means
	// DefaultTimezone. All times and dates are local wall-clock times in it.
	Timezone   string      `json:"timezone"`
	Weekly     []Interval  `json:"weekly"`
	Exceptions []Exception `json:"exceptions,omitempty"`
}

// Interval is one period of opening on some days of every week.
type Interval struct {
	// Days are lower-case day names from "mon" to "sun".
	Days []string `json:"days"`
	// Opens is the local opening time as "HH:MM", from "00:00" to "23:59".
	Opens string `json:"opens"`
	// Closes is the local closing time as "HH:MM"; "24:00" is the end of the
	// day. A closing time earlier than the opening time is on the next day, so
	// "22:00" to "02:00" is open overnight; Overnight must then be set, so that a
	// slip of the keyboard is not read as a night service.
	Closes    string `json:"closes"`
	Overnight bool   `json:"overnight,omitempty"`
}

// Exception replaces the weekly hours on one local date, for example a
// bank holiday. It is either closed all day or open from Opens to Closes; a
// closing time earlier than the opening time is on the next day.
type Exception struct {
	Date      string `json:"date"` // "2027-12-25"
	Closed    bool   `json:"closed,omitempty"`
	Opens     string `json:"opens,omitempty"`
	Closes    string `json:"closes,omitempty"`
	Overnight bool   `json:"overnight,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Problem is one thing wrong with some opening hours: the field, named from the
// prefix given to Validate, and a message that can be shown to editors.
type Problem struct {
	Field   string
	Message string
}

// AlwaysOpen returns hours that are open 24 hours a day, every day.
func AlwaysOpen() Schedule {
	return Schedule{
		Timezone: DefaultTimezone,
		Weekly: []Interval{{
			Days:  slices.Clone(dayKeys[:]),
			Opens: "00:00", Closes: "24:00",
		}},
	}
}

// IsZero reports whether the hours are unknown: no weekly intervals and no
// exceptions.
func (h Schedule) IsZero() bool {
	return len(h.Weekly) == 0 && len(h.Exceptions) == 0
}

// Validate checks the hours and returns one Problem for each problem, with
// field names that begin with prefix, such as prefix+".weekly[1].closes". It
// returns nil when the hours are valid.
func (h Schedule) Validate(prefix string) []Problem {
	var errs []Problem
	add := func(field, format string, args ...any) {
		errs = append(errs, Problem{Field: prefix + field, Message: fmt.Sprintf(format, args...)})
	}
	if h.Timezone != "" {
		if _, err := Location(h.Timezone); err != nil {
			add(".timezone", "Unknown time zone; use an IANA name such as %s.", DefaultTimezone)
		}
	}

	// Each valid interval on each day becomes a segment of the week, counted in
	// minutes from Monday 00:00; segments running past Sunday midnight wrap round
	// to Monday.
	type segment struct{ start, end, interval int }
	var segments []segment
	for i, w := range h.Weekly {
		field := fmt.Sprintf(".weekly[%d]", i)
		if len(w.Days) == 0 {
			add(field+".days", "Give at least one day.")
		}
		var days []int
		var seen [7]bool
		for j, name := range w.Days {
			d, ok := dayIndex(name)
			switch {
			case !ok:
				add(fmt.Sprintf("%s.days[%d]", field, j), "Use a day from mon to sun.")
			case seen[d]:
				add(fmt.Sprintf("%s.days[%d]", field, j), "This day is listed twice.")
			default:
				seen[d] = true
				days = append(days, d)
			}
		}
		s, ok := validateSpan(w.Opens, w.Closes, w.Overnight, field, add)
		if !ok {
			continue
		}
		for _, d := range days {
			start, end := d*dayLength+s.open, d*dayLength+s.close
			if end <= weekLength {
				segments = append(segments, segment{start, end, i})
			} else {
				segments = append(segments, segment{start, weekLength, i}, segment{0, end - weekLength, i})
			}
		}
	}
	for j := range h.Weekly {
		for _, b := range segments {
			if b.interval != j {
				continue
			}
			i := slices.IndexFunc(segments, func(a segment) bool {
				return a.interval < j && a.start < b.end && b.start < a.end
			})
			if i >= 0 {
				a := segments[i]
				day := dayNames[max(a.start, b.start)/dayLength]
				add(fmt.Sprintf(".weekly[%d]", j), "These hours overlap the hours in weekly[%d] on %s.", a.interval, day)
				break
			}
		}
	}

	dates := make(map[int]int, len(h.Exceptions))
	for i, e := range h.Exceptions {
		field := fmt.Sprintf(".exceptions[%d]", i)
		if e.Date == "" {
			add(field+".date", "Give the date as YYYY-MM-DD.")
		} else if day, ok := parseDate(e.Date); !ok {
			add(field+".date", "Use a real date as YYYY-MM-DD.")
		} else if first, dup := dates[day]; dup {
			add(field+".date", "This date is already used by exceptions[%d].", first)
		} else {
			dates[day] = i
		}
		hasHours := e.Opens != "" || e.Closes != ""
		switch {
		case e.Closed && hasHours:
			add(field, "Either set closed or give opening hours, not both.")
		case !e.Closed && !hasHours:
			add(field, "Set closed, or give opening and closing times.")
		case !e.Closed:
			validateSpan(e.Opens, e.Closes, e.Overnight, field, add)
		}
	}

	// An exception must not overlap a period that runs past midnight into its
	// date, nor run past midnight into the next date's hours. Only the valid
	// parts of the hours are compared, so this adds no errors to those above.
	if len(dates) > 0 {
		s := compile(h)
		for _, x := range s.exceptions {
			if x.closed {
				continue
			}
			field := fmt.Sprintf(".exceptions[%d]", dates[x.day])
			for _, p := range s.spansOn(x.day-1, nil) {
				if p.close-dayLength > x.span.open {
					add(field, "These hours overlap the hours of the day before, which run past midnight.")
					break
				}
			}
			if _, next := s.exception(x.day + 1); !next {
				for _, p := range s.spansOn(x.day+1, nil) {
					if x.span.close > p.open+dayLength {
						add(field, "These hours run past midnight into the hours of the next day.")
						break
					}
				}
			}
		}
	}
	return errs
}

// validateSpan checks one pair of opening and closing times, reporting
// problems through add, and returns them as a span when they are valid.
func validateSpan(opens, closes string, overnight bool, field string, add func(string, string, ...any)) (span, bool) {
	o, okOpens := parseClock(opens, false)
	c, okCloses := parseClock(closes, true)
	switch {
	case opens == "":
		add(field+".opens", "Give an opening time.")
	case !okOpens:
		add(field+".opens", "Use a time from 00:00 to 23:59, as HH:MM.")
	}
	switch {
	case closes == "":
		add(field+".closes", "Give a closing time.")
	case !okCloses:
		add(field+".closes", "Use a time from 00:00 to 24:00, as HH:MM.")
	case okOpens && o == c:
		add(field+".closes", "The closing time must differ from the opening time.")
	case okOpens && c < o && c > 0 && !overnight:
		add(field+".closes", "The closing time is before the opening time on the same day; if the hours run past midnight, set overnight to true.")
	case okOpens && c > o && overnight:
		add(field+".overnight", "Overnight hours close earlier in the day than they open, on the next day.")
	}
	if !okOpens || !okCloses || o == c || (c < o && c > 0 && !overnight) || (c > o && overnight) {
		return span{}, false
	}
	return newSpan(o, c), true
}

// searchDays is how many days after the date of the instant State looks
// for the next change before deciding that there is none.
const searchDays = 400

// State reports whether the hours are open at the instant at, and the next
// instant at which that changes: when they close if they are open, when they
// open if they are closed. Next is nil when the state does not change within
// about 400 days, as for hours open 24 hours a day with no exceptions, or for
// unknown hours, which are never open. Next is in UTC.
//
// Each open period includes its opening instant and excludes its closing
// instant, and periods that meet or overlap count as one, so next is the end
// of the whole open period. An exception does not cut short a period that
// began the day before (see Schedule). State assumes the hours have been
// validated: it ignores intervals and exceptions that are not valid, and an
// unknown time zone makes the hours unknown.
//
// Periods are joined on the wall clock first and only then become instants, by
// the rule of instant, which never says open while the line may be closed: a
// wall-clock time that happens twice (the clocks go back) opens at the later
// instant and closes at the earlier one, and a time that is skipped (the
// clocks go forward) opens and closes at the change. A period that becomes
// empty this way, such as 01:30 to 02:00 on the spring change day in London, is
// ignored; a line open round the clock stays open through the change.
func (h Schedule) State(at time.Time) (open bool, next *time.Time) {
	if h.IsZero() {
		return false, nil
	}
	loc, err := Location(h.Timezone)
	if err != nil {
		return false, nil
	}
	s := compile(h)
	y, m, d := at.In(loc).Date()
	today := dayNumber(y, m, d)
	last := today + searchDays
	w := walk{at: at}

	// Walk through the periods in order of their opening times, starting with
	// those of the day before, which may run past midnight. Periods are kept in
	// wall-clock minutes (counted from 1970-01-01 00:00 local time) while later
	// ones may still join them, then settled as instants.
	var cur wallPeriod
	have := false
	settle := func() bool {
		if !have {
			return false
		}
		have = false
		start := instant(loc, cur.start, true)
		if cur.endless {
			return w.add(start, time.Time{}, true)
		}
		end := instant(loc, cur.end, false)
		if !end.After(start) {
			return false
		}
		return w.add(start, end, false)
	}
	var spanBuf [4]span
	spans := spanBuf[:0]
	for day := today - 1; day <= last; day++ {
		if len(s.weekly) == 0 {
			// With no weekly hours only exceptions open, so skip to the next.
			day = max(day, s.nextException(day))
			if day > last {
				break
			}
		}
		if have && cur.end < day*dayLength && settle() {
			return w.result()
		}
		if have && s.alwaysOpen {
			// Every day from the day before up to the next exception is open all
			// day, and the period reaches this day, so it runs at least to the
			// start of that exception's day.
			x := s.nextException(day - 1)
			if x > last {
				cur.endless = true
				break
			}
			if x-1 > day {
				cur.end = max(cur.end, x*dayLength)
				day = x - 1
			}
		}
		spans = s.spansOn(day, spans[:0])
		for _, sp := range spans {
			p := wallPeriod{start: day*dayLength + sp.open, end: day*dayLength + sp.close}
			if have && p.start <= cur.end {
				cur.end = max(cur.end, p.end)
				continue
			}
			if settle() {
				return w.result()
			}
			cur, have = p, true
		}
	}
	settle()
	return w.result()
}

// wallPeriod is an open period in wall-clock minutes from 1970-01-01 00:00 local
// time. An endless one does not end within State's search.
type wallPeriod struct {
	start, end int
	endless    bool
}

// walk is State's answer as it takes in the open periods, in order of opening.
type walk struct {
	at      time.Time
	open    bool
	end     time.Time // while open, the end of the open period
	endless bool      // while open, the period does not end within the search
	done    bool
	next    *time.Time
}

// add takes in the period from start to end, which is endless when it does not
// end within the search. It reports whether the answer is now known.
func (w *walk) add(start, end time.Time, endless bool) bool {
	switch {
	case w.open && start.After(w.end):
		// The open period ended before this one begins.
		w.done, w.next = true, utcPtr(w.end)
	case w.open && endless:
		w.done, w.endless = true, true
	case w.open:
		w.end = later(w.end, end)
	case !endless && !end.After(w.at):
		// Closed before at.
	case start.After(w.at):
		w.done, w.next = true, utcPtr(start)
	default:
		w.open, w.end, w.endless = true, end, endless
		w.done = endless
	}
	return w.done
}

// result is the answer: when the periods ran out while open, the line closes
// at the end of the last one.
func (w *walk) result() (bool, *time.Time) {
	if !w.done && w.open && !w.endless {
		return true, utcPtr(w.end)
	}
	return w.open, w.next
}

// instant returns the instant at which a wall-clock time, in minutes from
// 1970-01-01 00:00 local time in loc, opens (opening true) or closes a period,
// by the one rule that never says open while a line may be closed. A time that
// happens twice, when the clocks go back, opens at the later of its two
// instants and closes at the earlier. A time that is skipped, when the clocks
// go forward, opens at the end of the gap and closes at its start, which are
// the same instant: the change. It does not depend on the choice time.Date
// makes, which differs between time zones.
func instant(loc *time.Location, wall int, opening bool) time.Time {
	// The wall-clock time read as if it were UTC: an instant with that time in
	// loc is this less loc's offset then, which is between -12 and +14 hours.
	w := time.Unix(int64(wall)*60, 0).UTC()
	limit := w.Add(15 * time.Hour)
	var best, change time.Time
	found := false
	for t := w.Add(-15 * time.Hour).In(loc); ; {
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		c := w.Add(-time.Duration(off) * time.Second)
		if (start.IsZero() || !c.Before(start)) && (end.IsZero() || c.Before(end)) {
			if !found || (opening && c.After(best)) || (!opening && c.Before(best)) {
				best = c
			}
			found = true
		}
		if end.IsZero() || end.After(limit) {
			break
		}
		t = end.In(loc)
		// The wall clock jumps at end from end+off to end+next: a time in
		// between is skipped.
		if _, next := t.Zone(); change.IsZero() && !w.Before(end.Add(time.Duration(off)*time.Second)) &&
			w.Before(end.Add(time.Duration(next)*time.Second)) {
			change = end
		}
	}
	switch {
	case found:
		return best
	case !change.IsZero():
		return change
	}
	// Not reached with the time zone database: every wall-clock time either
	// exists or falls in a gap.
	return w
}

// Text describes the hours in English, such as "Monday to Thursday 9am–9pm;
// Friday 9am–5pm (UK time)", followed by every exception. It returns "" for
// unknown hours.
func (h Schedule) Text() string {
	if h.IsZero() {
		return ""
	}
	zone := h.Timezone
	if zone == "" || zone == DefaultTimezone {
		zone = "UK time"
	}
	s := compile(h)
	var parts []string
	zoneShown := false
	switch {
	case s.alwaysOpen:
		parts = append(parts, "Open 24 hours, every day")
	case len(s.weekly) > 0:
		// Describe each day's hours, then group the days with the same hours.
		var hours [7]string
		for i := range dayNames {
			var spans []string
			for _, sp := range s.weeklyOn(i, nil) {
				spans = append(spans, sp.text())
			}
			hours[i] = list(spans)
		}
		done := [7]bool{}
		for i, text := range hours {
			if text == "" || done[i] {
				continue
			}
			var days []int
			for j := i; j < 7; j++ {
				if hours[j] == text {
					days = append(days, j)
					done[j] = true
				}
			}
			parts = append(parts, daysText(days)+" "+text)
		}
		parts[len(parts)-1] += " (" + zone + ")"
		zoneShown = true
	}
	for _, x := range s.exceptions {
		date := dateOf(x.day).Format("2 January 2006")
		note := ""
		if n := strings.TrimSpace(h.Exceptions[x.index].Note); n != "" {
			note = " (" + n + ")"
		}
		if x.closed {
			parts = append(parts, "Closed on "+date+note)
		} else {
			parts = append(parts, date+note+": "+x.span.text())
		}
	}
	if !zoneShown && slices.ContainsFunc(s.exceptions, func(x dayException) bool { return !x.closed }) {
		parts[len(parts)-1] += " (" + zone + ")"
	}
	return strings.Join(parts, "; ")
}

const (
	dayLength  = 24 * 60       // minutes
	weekLength = 7 * dayLength // minutes
)

// dayNames are the names of the days of the week, Monday first.
var dayNames = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// dayKeys are the day names of Interval.Days, Monday first.
var dayKeys = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// dayIndex returns the index from 0 (Monday) to 6 (Sunday) of a day name
// from "mon" to "sun".
func dayIndex(name string) (int, bool) {
	i := slices.Index(dayKeys[:], name)
	return i, i >= 0
}

// span is a period of opening in minutes from the start of the local day
// on which it opens. Close is after open and may be on the next day, up to 48
// hours from the start of the day.
type span struct{ open, close int }

// newSpan returns the span from opens to closes, in minutes after
// midnight, taking a closing time that is not after the opening time to be on
// the next day.
func newSpan(opens, closes int) span {
	if closes <= opens {
		closes += dayLength
	}
	return span{opens, closes}
}

// text describes the span, such as "9am–5pm" or "10pm–2am".
func (s span) text() string {
	if s.open == 0 && s.close == dayLength {
		return "24 hours"
	}
	return ClockText(s.open) + "–" + ClockText(s.close%dayLength)
}

// ClockText describes a time of day in minutes after midnight, such as
// "midnight", "9am", "9:30am" or "12pm": the words of Text, of When and of the
// widget's badges.
func ClockText(minute int) string {
	if minute == 0 {
		return "midnight"
	}
	hour, min := minute/60, minute%60
	suffix := "am"
	if hour >= 12 {
		suffix = "pm"
	}
	if hour = hour % 12; hour == 0 {
		hour = 12
	}
	if min == 0 {
		return fmt.Sprintf("%d%s", hour, suffix)
	}
	return fmt.Sprintf("%d:%02d%s", hour, min, suffix)
}

// daysText names days given by index in weekday order, joining runs of
// three or more, as in "Monday to Wednesday and Friday".
func daysText(days []int) string {
	if len(days) == 7 {
		return "Every day"
	}
	var names []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1] == days[j]+1 {
			j++
		}
		if j-i >= 2 {
			names = append(names, dayNames[days[i]]+" to "+dayNames[days[j]])
		} else {
			for k := i; k <= j; k++ {
				names = append(names, dayNames[days[k]])
			}
		}
		i = j + 1
	}
	return list(names)
}

// list joins items as in "a, b and c".
func list(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// parseClock parses a time "HH:MM" from "00:00" to "23:59", or "24:00"
// when allow24 is set, into minutes after midnight.
func parseClock(s string, allow24 bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		return 0, false
	}
	hour := int(s[0]-'0')*10 + int(s[1]-'0')
	minute := int(s[3]-'0')*10 + int(s[4]-'0')
	if (hour < 24 && minute < 60) || (allow24 && hour == 24 && minute == 0) {
		return hour*60 + minute, true
	}
	return 0, false
}

// parseDate parses a date "YYYY-MM-DD" into a day number (see dayNumber).
func parseDate(s string) (int, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s[:4]) || !digits(s[5:7]) || !digits(s[8:]) {
		return 0, false
	}
	y := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	m := time.Month(int(s[5]-'0')*10 + int(s[6]-'0'))
	d := int(s[8]-'0')*10 + int(s[9]-'0')
	if y < 1 || m < time.January || m > time.December || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return dayNumber(y, m, d), true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// daysIn returns the number of days in a month.
func daysIn(y int, m time.Month) int {
	if m == time.February && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 29
	}
	return [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
}

// dayNumber returns the number of days from 1970-01-01 to a valid date of the
// proleptic Gregorian calendar.
func dayNumber(y int, m time.Month, d int) int {
	// Count years from March, so that the leap day ends the year.
	if m <= time.February {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// dateOf returns midnight UTC on a day numbered by dayNumber.
func dateOf(day int) time.Time {
	return time.Date(1970, time.January, 1+day, 0, 0, 0, 0, time.UTC)
}

// weekday returns the day of the week from 0 (Monday) to 6 (Sunday) of a
// day numbered by dayNumber.
func weekday(day int) int {
	// 1970-01-01 was a Thursday.
	return ((day+3)%7 + 7) % 7
}

// locations caches time zones, which are slow to load.
var locations sync.Map // string to *time.Location

// LocationOrDefault loads a time zone by IANA name for showing times. Hours are
// validated when they are written, so a name it cannot load falls back to
// DefaultTimezone, and that to UTC.
func LocationOrDefault(name string) *time.Location {
	if loc, err := Location(name); err == nil {
		return loc
	}
	if loc, err := Location(DefaultTimezone); err == nil {
		return loc
	}
	return time.UTC
}

// When words the instant t as seen at now in loc, as shortly as is clear: "9pm"
// later today, "tomorrow 9am", "Monday 9am" within the week, else "Friday 2 January
// 9am". Midnight is the end of the day before: a line closing at 00:00 on Tuesday
// "closes midnight" on Monday.
func When(t time.Time, loc *time.Location, now time.Time) string {
	t, now = t.In(loc), now.In(loc)
	clock := ClockText(t.Hour()*60 + t.Minute())
	day := t
	if clock == "midnight" {
		day = t.Add(-time.Minute)
	}
	y1, m1, d1 := now.Date()
	y2, m2, d2 := day.Date()
	days := int(time.Date(y2, m2, d2, 12, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	switch {
	case days <= 0:
		return clock
	case days == 1 && clock == "midnight":
		return "tomorrow at midnight"
	case days == 1:
		return "tomorrow " + clock
	case days < 7 && clock == "midnight":
		return day.Weekday().String() + " at midnight"
	case days < 7:
		return day.Weekday().String() + " " + clock
	default:
		return day.Format("Monday 2 January") + " " + clock
	}
}

// Location loads a time zone by IANA name, or DefaultTimezone for "". It
// refuses "Local", which is the server's time zone.
func Location(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimezone
	}
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "Local" {
		return nil, fmt.Errorf("time zone %q is not allowed", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}

// schedule is the valid part of some Schedule in a form quick to use.
type schedule struct {
	weekly     []weeklySpan
	exceptions []dayException // sorted by day
	// alwaysOpen is set when the weekly intervals cover every minute of the week.
	alwaysOpen bool
}

// weeklySpan is a weekly span on one day from 0 (Monday) to 6 (Sunday).
type weeklySpan struct {
	weekday int
	span    span
}

// dayException is a valid exception on a day numbered by dayNumber.
type dayException struct {
	day    int
	index  int // in Schedule.Exceptions
	closed bool
	span   span
}

// compile returns the valid part of h. Of two exceptions on one date it
// keeps the first.
func compile(h Schedule) schedule {
	n := 0
	for _, w := range h.Weekly {
		n += len(w.Days)
	}
	s := schedule{
		weekly:     make([]weeklySpan, 0, n),
		exceptions: make([]dayException, 0, len(h.Exceptions)),
	}
	for _, w := range h.Weekly {
		o, okOpens := parseClock(w.Opens, false)
		c, okCloses := parseClock(w.Closes, true)
		if !okOpens || !okCloses || o == c {
			continue
		}
		for _, name := range w.Days {
			if d, ok := dayIndex(name); ok {
				s.weekly = append(s.weekly, weeklySpan{d, newSpan(o, c)})
			}
		}
	}
	slices.SortStableFunc(s.weekly, func(a, b weeklySpan) int {
		return cmp.Or(cmp.Compare(a.weekday, b.weekday), cmp.Compare(a.span.open, b.span.open))
	})
	s.alwaysOpen = s.coversWeek()

	for i, e := range h.Exceptions {
		day, ok := parseDate(e.Date)
		if !ok {
			continue
		}
		x := dayException{day: day, index: i, closed: e.Closed}
		if !e.Closed {
			o, okOpens := parseClock(e.Opens, false)
			c, okCloses := parseClock(e.Closes, true)
			if !okOpens || !okCloses || o == c {
				continue
			}
			x.span = newSpan(o, c)
		} else if e.Opens != "" || e.Closes != "" {
			continue
		}
		s.exceptions = append(s.exceptions, x)
	}
	slices.SortStableFunc(s.exceptions, func(a, b dayException) int { return cmp.Compare(a.day, b.day) })
	s.exceptions = slices.CompactFunc(s.exceptions, func(a, b dayException) bool { return a.day == b.day })
	return s
}

// coversWeek reports whether the weekly spans cover every minute of the week.
func (s *schedule) coversWeek() bool {
	// The spans are sorted by opening time, but one may run past midnight on
	// Sunday into Monday.
	covered := 0
	for _, w := range s.weekly {
		if start := w.weekday*dayLength + w.span.open; start > covered {
			break
		}
		covered = max(covered, w.weekday*dayLength+w.span.close)
	}
	if covered >= weekLength {
		return true
	}
	// What is left must be covered by Sunday's spill into Monday, which only
	// helps if Monday's spans begin where the spill ends.
	spill := 0
	for _, w := range s.weekly {
		if w.weekday == 6 {
			spill = max(spill, w.span.close-dayLength)
		}
	}
	if spill <= 0 {
		return false
	}
	covered = spill
	for _, w := range s.weekly {
		start := w.weekday*dayLength + w.span.open
		if start > covered {
			return false
		}
		covered = max(covered, w.weekday*dayLength+w.span.close)
		if covered >= weekLength {
			return true
		}
	}
	return false
}

// exception returns the exception on a day numbered by dayNumber, if any.
func (s *schedule) exception(day int) (dayException, bool) {
	i, ok := slices.BinarySearchFunc(s.exceptions, day, func(x dayException, day int) int { return cmp.Compare(x.day, day) })
	if !ok {
		return dayException{}, false
	}
	return s.exceptions[i], true
}

// nextException returns the first day numbered by dayNumber, on or after day,
// that has an exception, or a day far in the future if there is none.
func (s *schedule) nextException(day int) int {
	i, _ := slices.BinarySearchFunc(s.exceptions, day, func(x dayException, day int) int { return cmp.Compare(x.day, day) })
	if i == len(s.exceptions) {
		return day + 1<<30
	}
	return s.exceptions[i].day
}

// spansOn appends to buf the spans that open on a day numbered by dayNumber:
// its exception's, or else the weekly ones, in order of opening time.
func (s *schedule) spansOn(day int, buf []span) []span {
	if x, ok := s.exception(day); ok {
		if !x.closed {
			buf = append(buf, x.span)
		}
		return buf
	}
	return s.weeklyOn(weekday(day), buf)
}

// weeklyOn appends to buf the weekly spans that open on a day of the week from
// 0 (Monday) to 6 (Sunday), in order of opening time.
func (s *schedule) weeklyOn(weekday int, buf []span) []span {
	for _, w := range s.weekly {
		if w.weekday == weekday {
			buf = append(buf, w.span)
		}
	}
	return buf
}

// later returns the later of two instants.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// utcPtr returns a pointer to t in UTC.
func utcPtr(t time.Time) *time.Time {
	t = t.UTC()
	return &t
}
