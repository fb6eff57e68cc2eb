package models_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"signpost/models"
	"signpost/models/seed"
)

var validateNow = time.Date(2027, time.February, 1, 10, 0, 0, 0, time.UTC)

// helplineWith returns a valid helpline with the given contacts.
func helplineWith(contacts ...models.Contact) *models.Helpline {
	return &models.Helpline{Slug: "test-line", Name: "Test line", Coverage: []models.Ref{{Slug: "united-kingdom"}},
		Status: models.StatusPublished, Contacts: contacts}
}

func fields(errs []models.FieldError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Field
	}
	return out
}

// TestCheckHelplineSeed checks that the seed lines pass the rules an editor's write
// must pass, with their numbers shown as the services publish them.
func TestCheckHelplineSeed(t *testing.T) {
	for _, h := range seed.Helplines() {
		t.Run(h.Slug, func(t *testing.T) {
			displays := make([]string, len(h.Contacts))
			for i, c := range h.Contacts {
				displays[i] = c.Display
			}
			if errs := models.CheckHelpline(&h, validateNow); len(errs) > 0 {
				t.Fatalf("CheckHelpline: %+v", errs)
			}
			for i, c := range h.Contacts {
				if c.Display != displays[i] {
					t.Errorf("contacts[%d].display = %q, want it kept as %q", i, c.Display, displays[i])
				}
			}
		})
	}
}

// TestCheckHelplineDisplay checks that a phone contact's display always denotes the
// number its link dials.
func TestCheckHelplineDisplay(t *testing.T) {
	tests := []struct {
		name, typ, value, display, cost string
		wantErr                         bool
		wantDisplay                     string
	}{
		{"OKAsPublished", "phone", "0808 1000 900", "0808 1000 900", "", false, "0808 1000 900"},
		{"OKOtherGrouping", "phone", "0808 1000 900", "0808 100 0900", "", false, "0808 100 0900"},
		{"OKInternational", "phone", "0808 1000 900", "+44 808 1000 900", "", false, "+44 808 1000 900"},
		{"OKMadeFromValue", "phone", "0800 555 111", "", "", false, "0800 555111"},
		{"OKShortCode", "phone", "101", "101", "Charged", false, "101"},
		{"OKRelay", "textphone", "18001 101", "18001101", "Charged", false, "18001101"},
		{"OKEmergencyRelay", "textphone", "18000", "18000", "", false, "18000"},
		{"OKEmergencySMS", "sms", "999", "999", "", false, "999"},
		{"ErrOtherNumber", "phone", "0800 555 111", "0808 1000 900", "", true, ""},
		{"ErrOneDigitOff", "phone", "0808 1000 900", "0808 1000 901", "", true, ""},
		{"ErrWords", "phone", "0808 1000 900", "Call 0808 1000 900 free", "", true, ""},
		{"ErrNoDigits", "phone", "0808 1000 900", "Stop It Now!", "", true, ""},
		{"ErrRelayShownWithoutPrefix", "textphone", "18001 101", "101", "Charged", true, ""},
		{"ErrShortCodeShownAsRelay", "phone", "101", "18001 101", "Charged", true, ""},
		{"ErrEmergencyShownAsOther", "phone", "999", "112", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := helplineWith(models.Contact{Type: tt.typ, Value: tt.value, Display: tt.display, Cost: tt.cost})
			errs := models.CheckHelpline(h, validateNow)
			got := slices.Contains(fields(errs), "contacts[0].display")
			if got != tt.wantErr {
				t.Fatalf("errors %+v; want an error on contacts[0].display: %v", errs, tt.wantErr)
			}
			if len(errs) > 0 && !tt.wantErr {
				t.Fatalf("unexpected errors %+v", errs)
			}
			if !tt.wantErr && h.Contacts[0].Display != tt.wantDisplay {
				t.Errorf("display = %q, want %q", h.Contacts[0].Display, tt.wantDisplay)
			}
		})
	}
}

// TestCheckHelplineCost checks that premium-rate numbers are refused and that a number
// that is not free to call says what it costs.
func TestCheckHelplineCost(t *testing.T) {
	tests := []struct {
		name, typ, value, cost string
		wantField              string // "" for none
	}{
		{"OKFreephone", "phone", "0808 1000 900", "", ""},
		{"OKEmergency", "phone", "999", "", ""},
		{"OKEuropeanEmergency", "phone", "112", "", ""},
		{"OKFreeShortCode", "phone", "116 123", "", ""},
		{"OKEmergencyRelay", "textphone", "18000", "", ""},
		{"OKRelayToFreephone", "textphone", "18001 0800 555 111", "", ""},
		{"OKEmergencySMS", "sms", "999", "", ""},
		{"OKGeographicWithCost", "phone", "01372 847161", "Your phone provider's charges apply", ""},
		{"OKShortCodeWithCost", "phone", "101", "Your phone provider may charge for the call", ""},
		{"ErrPremiumRate", "phone", "0909 879 0000", "£1.50 a minute", "contacts[0].value"},
		{"ErrPremiumRateByRelay", "textphone", "18001 0909 879 0000", "£1.50 a minute", "contacts[0].value"},
		{"ErrPremiumRateService", "phone", "0871 234 5678", "13p a minute", "contacts[0].value"},
		{"ErrGeographicWithoutCost", "phone", "01372 847161", "", "contacts[0].cost"},
		{"ErrUANWithoutCost", "phone", "0306 999 0123", "", "contacts[0].cost"},
		{"ErrShortCodeWithoutCost", "phone", "101", "", "contacts[0].cost"},
		{"ErrShortCodeWithBlankCost", "phone", "101", "   ", "contacts[0].cost"},
		{"ErrRelayToShortCodeWithoutCost", "textphone", "18001 101", "", "contacts[0].cost"},
		{"ErrMobileSMSWithoutCost", "sms", "07911 123456", "", "contacts[0].cost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := models.CheckHelpline(helplineWith(models.Contact{Type: tt.typ, Value: tt.value, Cost: tt.cost}), validateNow)
			want := []string{}
			if tt.wantField != "" {
				want = []string{tt.wantField}
			}
			if got := fields(errs); !slices.Equal(got, want) {
				t.Fatalf("errors %+v; want errors on %v", errs, want)
			}
			if tt.wantField != "" && !strings.Contains(errs[0].Message, "cost") && !strings.Contains(errs[0].Message, "premium") {
				t.Errorf("message %q says neither cost nor premium", errs[0].Message)
			}
		})
	}
}
