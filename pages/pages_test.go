package pages

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"signpost/models/hours"
)

func TestOpeningHours(t *testing.T) {
	got := OpeningHours(hours.Schedule{
		Timezone: "Europe/London",
		Weekly: []hours.Interval{
			{Days: []string{"mon", "tue"}, Opens: "09:00", Closes: "17:30"},
			{Days: []string{"sat"}, Opens: "22:00", Closes: "02:00", Overnight: true},
			{Days: []string{"sun"}, Opens: "10:00", Closes: "24:00"},
		},
		Exceptions: []hours.Exception{
			{Date: "2027-12-25", Closed: true, Note: "Christmas Day"},
			{Date: "2027-12-24", Opens: "09:00", Closes: "13:00"},
		},
	})
	want := []OpeningHoursSpecification{
		{Type: "OpeningHoursSpecification", DayOfWeek: []string{"https://schema.org/Monday", "https://schema.org/Tuesday"}, Opens: "09:00", Closes: "17:30"},
		{Type: "OpeningHoursSpecification", DayOfWeek: []string{"https://schema.org/Saturday"}, Opens: "22:00", Closes: "02:00"},
		{Type: "OpeningHoursSpecification", DayOfWeek: []string{"https://schema.org/Sunday"}, Opens: "10:00", Closes: "23:59"},
		{Type: "OpeningHoursSpecification", Opens: "00:00", Closes: "00:00", ValidFrom: "2027-12-25", ValidThrough: "2027-12-25"},
		{Type: "OpeningHoursSpecification", Opens: "09:00", Closes: "13:00", ValidFrom: "2027-12-24", ValidThrough: "2027-12-24"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got := OpeningHours(hours.Schedule{}); got != nil {
		t.Errorf("unknown hours: %+v, want none", got)
	}
	always := OpeningHours(hours.AlwaysOpen())
	if len(always) != 1 || len(always[0].DayOfWeek) != 7 || always[0].Opens != "00:00" || always[0].Closes != "23:59" {
		t.Errorf("24 hours: %+v", always)
	}
}

// TestJSONLDCannotEndTheScript renders a page whose every text tries to end the
// JSON-LD element, and checks that the element holds exactly the description.
func TestJSONLDCannotEndTheScript(t *testing.T) {
	hostile := "</script><script>alert(1)</script> </SCRIPT > <!-- & \u2028"
	ld := NewsArticle{Context: SchemaContext, Type: "NewsArticle", Headline: hostile, Description: hostile, Keywords: []string{hostile}}
	var b bytes.Buffer
	err := WriteArticle(&b, Article{Head: Head{Title: hostile, Description: hostile, QuickExitURL: "https://www.bbc.co.uk/weather", JSONLD: ld},
		Title: hostile, Summary: hostile, Published: time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	start := strings.Index(page, `<script type="application/ld+json">`)
	if start < 0 {
		t.Fatal("no JSON-LD")
	}
	rest := page[start+len(`<script type="application/ld+json">`):]
	end := strings.Index(strings.ToLower(rest), "</script")
	var got NewsArticle
	if err := json.Unmarshal([]byte(rest[:end]), &got); err != nil {
		t.Fatalf("the element ends before the description does: %v\n%s", err, rest[:end])
	}
	if !reflect.DeepEqual(got, ld) {
		t.Errorf("got %+v, want %+v", got, ld)
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<!-- &") {
		t.Error("hostile text reached the page unescaped")
	}
}

func TestWithoutImages(t *testing.T) {
	for in, want := range map[string]string{
		`<p>No pictures.</p>`: `<p>No pictures.</p>`,
		`<p>A <img src="https://images.example.org/a.png" alt="station &amp; officers"> here.</p>`: `<p>A [Picture: station &amp; officers] here.</p>`,
		`<p><IMG SRC="https://images.example.org/b.png"/>Text</p>`:                                 `<p>Text</p>`,
		`<a href="https://example.org/" rel="nofollow noopener noreferrer">link</a>`:               `<a href="https://example.org/" rel="nofollow noopener noreferrer">link</a>`,
	} {
		if got := withoutImages(in); got != want {
			t.Errorf("withoutImages(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLanguageName(t *testing.T) {
	for tag, want := range map[string]string{"en": "English", "cy": "Welsh", "ga": "Irish", "pl": "Polish", "not a tag!": "not a tag!"} {
		if got := LanguageName(tag); got != want {
			t.Errorf("LanguageName(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestStyleHash(t *testing.T) {
	var b bytes.Buffer
	if err := WriteNotFound(&b, NotFound{Head: Head{Title: "Page not found", QuickExitURL: "https://www.bbc.co.uk/weather"}, What: "article"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "<style>"+CSS+"</style>") {
		t.Error("the page's style sheet is not CSS, whose hash the CSP allows")
	}
	if !strings.Contains(CSP, "style-src "+cspHash(CSS)+";") {
		t.Errorf("CSP %q", CSP)
	}
}
