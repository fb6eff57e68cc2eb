package widget

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's time zone files
)

func TestStatus(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, london) }
	ptr := func(t time.Time) *time.Time { return &t }
	yes, no := true, false
	// Monday 1 February 2027 is a Monday; London is on GMT until 28 March.
	tests := []struct {
		name  string
		open  *bool
		next  *time.Time
		zone  string
		now   time.Time
		state string
		text  string
	}{
		{"OKUnknown", nil, nil, "", at(2027, 2, 1, 10, 0), StateUnknown, "Hours not published"},
		{"OKAlways", &yes, nil, "", at(2027, 2, 1, 10, 0), StateAlways, "Open 24 hours"},
		{"OKClosesToday", &yes, ptr(at(2027, 2, 1, 21, 0)), "", at(2027, 2, 1, 10, 0), StateOpen, "Open now — closes 9pm"},
		{"OKClosesHalfPast", &yes, ptr(at(2027, 2, 1, 17, 30)), "", at(2027, 2, 1, 10, 0), StateOpen, "Open now — closes 5:30pm"},
		{"OKClosesMidnight", &yes, ptr(at(2027, 2, 2, 0, 0)), "", at(2027, 2, 1, 22, 0), StateOpen, "Open now — closes midnight"},
		{"OKClosesTomorrow", &yes, ptr(at(2027, 2, 2, 2, 0)), "", at(2027, 2, 1, 22, 0), StateOpen, "Open now — closes tomorrow 2am"},
		{"OKOpenLong", &yes, ptr(at(2027, 12, 25, 0, 0)), "", at(2027, 2, 1, 10, 0), StateOpen, "Open now"},
		{"OKOpensToday", &no, ptr(at(2027, 2, 1, 9, 0)), "", at(2027, 2, 1, 7, 0), StateClosed, "Closed — opens 9am"},
		{"OKOpensTomorrow", &no, ptr(at(2027, 2, 8, 9, 0)), "", at(2027, 2, 7, 12, 0), StateClosed, "Closed — opens tomorrow 9am"},
		{"OKOpensMonday", &no, ptr(at(2027, 2, 8, 9, 0)), "", at(2027, 2, 5, 18, 0), StateClosed, "Closed — opens Monday 9am"},
		{"OKOpensNoon", &no, ptr(at(2027, 2, 8, 12, 0)), "", at(2027, 2, 5, 18, 0), StateClosed, "Closed — opens Monday 12pm"},
		{"OKOpensMidnightSunday", &no, ptr(at(2027, 2, 8, 0, 0)), "", at(2027, 2, 5, 18, 0), StateClosed, "Closed — opens Sunday at midnight"},
		{"OKOpensAfterAWeek", &no, ptr(at(2027, 1, 4, 9, 0)), "", at(2026, 12, 24, 18, 0), StateClosed, "Closed — opens Monday 4 January 9am"},
		{"OKClosedForGood", &no, nil, "", at(2027, 2, 1, 10, 0), StateClosed, "Closed"},
		// The words follow the line's zone, not UTC: 9am in London in summer is
		// 8am UTC, and the day turns at London's midnight.
		{"OKSummerTime", &no, ptr(time.Date(2027, 7, 5, 8, 0, 0, 0, time.UTC)), "Europe/London", time.Date(2027, 7, 4, 23, 30, 0, 0, time.UTC), StateClosed, "Closed — opens 9am"},
		{"OKOtherZone", &no, ptr(time.Date(2027, 2, 1, 14, 0, 0, 0, time.UTC)), "America/New_York", time.Date(2027, 2, 1, 4, 0, 0, 0, time.UTC), StateClosed, "Closed — opens tomorrow 9am"},
		{"OKUnknownZone", &no, ptr(at(2027, 2, 8, 9, 0)), "Mars/Olympus", at(2027, 2, 5, 18, 0), StateClosed, "Closed — opens Monday 9am"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, text := Status(tt.open, tt.next, tt.zone, tt.now)
			if state != tt.state || text != tt.text {
				t.Errorf("Status = %q, %q; want %q, %q", state, text, tt.state, tt.text)
			}
		})
	}
}

func TestSafeURI(t *testing.T) {
	for uri, want := range map[string]bool{
		"tel:+448081000900":         true,
		"tel:999":                   true,
		"sms:999":                   true,
		"mailto:help@example.org":   true,
		"https://stopitnow.org.uk":  true,
		"HTTP://EXAMPLE.ORG/":       true,
		"javascript:alert(1)":       false,
		"data:text/html,<b>x</b>":   false,
		"tel:":                      false,
		"https://example.org/\"x":   false,
		"https://example.org/ <a>":  false,
		"//example.org":             false,
		"":                          false,
		"vbscript:msgbox":           false,
		" javascript:alert(1)":      false,
		"https://example.org/a`b`c": false,
	} {
		if got := SafeURI(uri); got != want {
			t.Errorf("SafeURI(%q) = %v, want %v", uri, got, want)
		}
	}
}

func TestAssets(t *testing.T) {
	t.Run("OKStyleHash", func(t *testing.T) {
		sum := sha256.Sum256([]byte(CSS))
		if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; StyleHash != want {
			t.Errorf("StyleHash %s, want %s", StyleHash, want)
		}
		if len(CSS) >= len(cssSource) || strings.Contains(CSS, "/*") {
			t.Errorf("CSS is not minified (%d bytes of %d)", len(CSS), len(cssSource))
		}
	})

	t.Run("OKPageStyle", func(t *testing.T) {
		var b bytes.Buffer
		if err := WritePage(&b, Page{List: struct{ Emergency, Helplines, National []struct{} }{}}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "<style>"+CSS+"</style>") {
			t.Error("the page's <style> is not exactly CSS, so the CSP hash would not match")
		}
	})

	t.Run("OKExitScript", func(t *testing.T) {
		sum := sha256.Sum256([]byte(ExitScript))
		if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; ExitScriptHash != want {
			t.Errorf("ExitScriptHash %s, want %s", ExitScriptHash, want)
		}
		if len(ExitScript) >= len(exitSource) || strings.Contains(ExitScript, "/*") || strings.Contains(ExitScript, "</") {
			t.Errorf("ExitScript is not minified, or could end its <script> element: %s", ExitScript)
		}
		for _, s := range []string{"top.location.replace(", ".preventDefault()", "catch"} {
			if !strings.Contains(ExitScript, s) {
				t.Errorf("ExitScript lacks %q: %s", s, ExitScript)
			}
		}
		// The script is the same whatever the neutral site (it reads the link), and
		// only the quick exit brings it.
		for _, url := range []string{"", "https://example.org/weather?a=1&b=2"} {
			var b bytes.Buffer
			if err := WritePage(&b, Page{QuickExitURL: url, List: struct{ Emergency, Helplines, National []struct{} }{}}); err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Count(b.String(), "<script"), 1+min(len(url), 1); got != want {
				t.Errorf("quick exit %q: %d <script> elements, want %d (the height script, and the exit's with it)", url, got, want)
			}
			if url != "" && !strings.Contains(b.String(), `rel="noreferrer">Exit this page</a>`+"\n<script>"+ExitScript+"</script>") {
				t.Errorf("the page's <script> is not exactly ExitScript after the link, so the CSP hash would not match:\n%s", b.String())
			}
		}
	})

	t.Run("OKFrameScript", func(t *testing.T) {
		sum := sha256.Sum256([]byte(FrameScript))
		if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; FrameScriptHash != want {
			t.Errorf("FrameScriptHash %s, want %s", FrameScriptHash, want)
		}
		if len(FrameScript) >= len(frameSource) || strings.Contains(FrameScript, "/*") || strings.Contains(FrameScript, "</") {
			t.Errorf("FrameScript is not minified, or could end its <script> element: %s", FrameScript)
		}
		// It posts the height and nothing else: no address, no referrer, no storage.
		for _, bad := range []string{"location", "referrer", "cookie", "Storage", "navigator", "href"} {
			if strings.Contains(FrameScript, bad) {
				t.Errorf("FrameScript reads %s: %s", bad, FrameScript)
			}
		}
		var b bytes.Buffer
		if err := WritePage(&b, Page{List: struct{ Emergency, Helplines, National []struct{} }{}}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "</footer>\n<script>"+FrameScript+"</script>\n</body>") {
			t.Errorf("the page's last <script> is not exactly FrameScript after the footer, so the CSP hash would not match:\n%s", b.String())
		}
	})

	t.Run("OKScript", func(t *testing.T) {
		js, err := Script([]byte(`{"x":"\u003c/script\u003e"}`))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(js, []byte(`{"x":"\u003c/script\u003e"}`)) || bytes.Contains(js, []byte(scriptDataToken)) {
			t.Errorf("the data is not in place of the token:\n%s", js)
		}
	})

	t.Run("ErrScriptData", func(t *testing.T) {
		for _, data := range []string{"", "alert(1)", `"a string"`} {
			if _, err := Script([]byte(data)); err == nil {
				t.Errorf("Script(%q) accepted", data)
			}
		}
	})
}

func TestChecked(t *testing.T) {
	// 23:30 UTC on 31 March 2027 is already 1 April in London (BST).
	at := time.Date(2027, 3, 31, 23, 30, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		at   *time.Time
		zone string
		want string
	}{
		{"OKKnown", &at, "Europe/London", "Details last checked: 1 April 2027"},
		{"OKOtherZone", &at, "America/New_York", "Details last checked: 31 March 2027"},
		{"OKDefaultZone", &at, "", "Details last checked: 1 April 2027"},
		{"OKUnknown", nil, "Europe/London", "Details last checked: not recorded"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Checked(tt.at, tt.zone); got != tt.want {
				t.Errorf("Checked = %q, want %q", got, tt.want)
			}
		})
	}
}
