package phone

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePhoneValid(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		region string
		kind   string
		want   Number
	}{
		{
			name: "Stop It Now", value: "0808 1000 900", kind: "phone",
			want: Number{E164: "+448081000900", Display: "0808 100 0900", Dial: "+448081000900", URI: "tel:+448081000900", Rate: RateFree, Kind: "freephone number"},
		},
		{
			name: "Stop It Now unspaced", value: "08081000900", kind: "phone",
			want: Number{E164: "+448081000900", Display: "0808 100 0900", Dial: "+448081000900", URI: "tel:+448081000900", Rate: RateFree, Kind: "freephone number"},
		},
		{
			name: "Stop It Now with brackets and dashes", value: "(0808) 1000-900", kind: "phone",
			want: Number{E164: "+448081000900", Display: "0808 100 0900", Dial: "+448081000900", URI: "tel:+448081000900", Rate: RateFree, Kind: "freephone number"},
		},
		{
			name: "Stop It Now with dots, tabs and an en dash", value: " 0808.1000\t–900 ", kind: "phone",
			want: Number{E164: "+448081000900", Display: "0808 100 0900", Dial: "+448081000900", URI: "tel:+448081000900", Rate: RateFree, Kind: "freephone number"},
		},
		{
			name: "Crimestoppers", value: "0800 555 111", kind: "phone",
			want: Number{E164: "+44800555111", Display: "0800 555111", Dial: "+44800555111", URI: "tel:+44800555111", Rate: RateFree, Kind: "freephone number"},
		},
		{
			name: "Crimestoppers, empty kind and region default to phone and GB", value: "0800-555-111",
			want: Number{E164: "+44800555111", Display: "0800 555111", Dial: "+44800555111", URI: "tel:+44800555111", Rate: RateFree, Kind: "freephone number"},
		},
		{
			name: "international form for callers abroad", value: "+44 1372 847 161", kind: "phone",
			want: Number{E164: "+441372847161", Display: "+44 1372 847161", Dial: "+441372847161", URI: "tel:+441372847161", Rate: RateCharged, Kind: "geographic number"},
		},
		{
			name: "international form with 00", value: "0044 1372 847161", kind: "phone",
			want: Number{E164: "+441372847161", Display: "+44 1372 847161", Dial: "+441372847161", URI: "tel:+441372847161", Rate: RateCharged, Kind: "geographic number"},
		},
		{
			name: "international form with the national prefix in brackets", value: "+44 (0)808 1000 900", kind: "phone",
			want: Number{E164: "+448081000900", Display: "+44 808 100 0900", Dial: "+448081000900", URI: "tel:+448081000900", Rate: RateFree, Kind: "freephone number"},
		},
		{
			name: "national form of the same number", value: "01372 847161", kind: "phone",
			want: Number{E164: "+441372847161", Display: "01372 847161", Dial: "+441372847161", URI: "tel:+441372847161", Rate: RateCharged, Kind: "geographic number"},
		},
		{
			name: "Irish number written internationally", value: "+353 1 234 5678", kind: "phone",
			want: Number{E164: "+35312345678", Display: "+353 1 234 5678", Dial: "+35312345678", URI: "tel:+35312345678", Rate: RateCharged, Kind: "geographic number"},
		},
		{
			name: "Irish number in region IE", value: "01 234 5678", region: "ie", kind: "phone",
			want: Number{E164: "+35312345678", Display: "(01) 234 5678", Dial: "+35312345678", URI: "tel:+35312345678", Rate: RateCharged, Kind: "geographic number"},
		},
		{
			name: "police non-emergency", value: "101", kind: "phone",
			want: Number{Display: "101", Dial: "101", URI: "tel:101", Short: true, Rate: RateCharged, Kind: "short code"},
		},
		{
			name: "emergency", value: "999", kind: "phone",
			want: Number{Display: "999", Dial: "999", URI: "tel:999", Short: true, Rate: RateFree, Kind: "emergency number"},
		},
		{
			name: "European emergency", value: "112", kind: "phone",
			want: Number{Display: "112", Dial: "112", URI: "tel:112", Short: true, Rate: RateFree, Kind: "emergency number"},
		},
		{
			name: "harmonised 116 number", value: "116123", kind: "phone",
			want: Number{Display: "116 123", Dial: "116123", URI: "tel:116123", Short: true, Rate: RateFree, Kind: "free short code"},
		},
		{
			name: "emergency by SMS", value: "999", kind: "sms",
			want: Number{Display: "999", Dial: "999", URI: "sms:999", Short: true, Rate: RateFree, Kind: "emergency number"},
		},
		{
			name: "SMS short code", value: "85258", kind: "sms",
			want: Number{Display: "85258", Dial: "85258", URI: "sms:85258", Short: true, Rate: RateCharged, Kind: "short code"},
		},
		{
			name: "SMS to a mobile", value: "+44 7911 123456", kind: "sms",
			want: Number{E164: "+447911123456", Display: "+44 7911 123456", Dial: "+447911123456", URI: "sms:+447911123456", Rate: RateCharged, Kind: "mobile number"},
		},
		{
			name: "textphone relay to 101", value: "18001 101", kind: "textphone",
			want: Number{Display: "18001 101", Dial: "18001101", URI: "tel:18001101", Short: true, Rate: RateCharged, Kind: "Relay UK route to a short code"},
		},
		{
			name: "textphone relay to 101 unspaced", value: "18001101", kind: "textphone",
			want: Number{Display: "18001 101", Dial: "18001101", URI: "tel:18001101", Short: true, Rate: RateCharged, Kind: "Relay UK route to a short code"},
		},
		{
			name: "textphone relay to Crimestoppers", value: "18001 0800 555 111", kind: "textphone",
			want: Number{Display: "18001 0800 555111", Dial: "180010800555111", URI: "tel:180010800555111", Short: true, Rate: RateFree, Kind: "Relay UK route to a freephone number"},
		},
		{
			name: "textphone relay to Stop It Now", value: "18001 (0808) 1000-900", kind: "textphone",
			want: Number{Display: "18001 0808 100 0900", Dial: "1800108081000900", URI: "tel:1800108081000900", Short: true, Rate: RateFree, Kind: "Relay UK route to a freephone number"},
		},
		{
			name: "emergency text relay", value: "18000", kind: "textphone",
			want: Number{Display: "18000", Dial: "18000", URI: "tel:18000", Short: true, Rate: RateFree, Kind: "Relay UK emergency route"},
		},
		{
			name: "emergency text relay as a phone channel", value: "18000", kind: "phone",
			want: Number{Display: "18000", Dial: "18000", URI: "tel:18000", Short: true, Rate: RateFree, Kind: "Relay UK emergency route"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.value, tt.region, tt.kind)
			if err != nil {
				t.Fatalf("Parse(%q, %q, %q) error: %v", tt.value, tt.region, tt.kind, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q, %q, %q)\n got %+v\nwant %+v", tt.value, tt.region, tt.kind, got, tt.want)
			}
		})
	}
}

func TestParsePhoneInvalid(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		region string
		kind   string
		want   string // a fragment of the error message
	}{
		{"empty", "", "", "phone", "A phone number is required."},
		{"blank", "   ", "", "phone", "A phone number is required."},
		{"five digits", "12345", "", "phone", `"12345" is not a valid UK phone number.`},
		{"four digits", "1234", "", "phone", "not a valid UK phone number"},
		{"truncated freephone", "0808 100", "", "phone", `"0808 100" is not a valid UK phone number.`},
		{"one digit too many", "0808 1000 9000", "", "phone", "not a valid UK phone number"},
		{"letters", "0800 FLOWERS", "", "phone", "use only digits"},
		{"only letters", "call us", "", "phone", "use only digits"},
		{"trailing letter", "0808 1000 900x", "", "phone", "use only digits"},
		{"extension", "0800 555 111 ext 2", "", "phone", "use only digits"},
		{"plus in the middle", "0808+1000900", "", "phone", "use only digits"},
		{"hash", "101#", "", "phone", "use only digits"},
		{"separators only", "-- ()", "", "phone", "use only digits"},
		{"too long", strings.Repeat("0", 65), "", "phone", "too long"},
		{"fictional mobile", "07700 900123", "", "phone", "not a valid UK phone number"},
		{"short code dialled internationally", "+44 101", "", "phone", "not a valid UK phone number"},
		{"emergency dialled internationally", "+44 999", "", "phone", "not a valid UK phone number"},
		{"short code with a national prefix", "0101", "", "phone", "not a valid UK phone number"},
		{"emergency with a national prefix", "0999", "", "phone", "not a valid UK phone number"},
		{"US emergency number in the UK", "911", "", "phone", "not a valid UK phone number"},
		{"relay prefix alone", "18001", "", "textphone", "must be followed by the number to call"},
		{"relay to an invalid number", "18001 0808 100", "", "textphone", "not a valid UK phone number"},
		{"relay to garbage", "18001 12345", "", "textphone", "not a valid UK phone number"},
		{"relay to 999", "18001 999", "", "textphone", "the emergency relay number is 18000"},
		{"relay to relay", "18001 18000", "", "textphone", "not a valid UK phone number"},
		{"emergency relay with extra digits", "18000 101", "", "textphone", "not a valid UK phone number"},
		{"relay written internationally", "+44 18001 101", "", "textphone", "not a valid UK phone number"},
		{"relay by SMS", "18001 101", "", "sms", "cannot receive text messages"},
		{"emergency relay by SMS", "18000", "", "sms", "cannot receive text messages"},
		{"Irish number in the wrong region", "01 234 5678", "GB", "phone", "not a valid UK phone number"},
		{"invalid number in region IE", "12345", "IE", "phone", "not a valid phone number for region IE"},
		{"unknown region", "0808 1000 900", "XX", "phone", "not a supported phone number region"},
		{"unknown kind", "0808 1000 900", "", "fax", `"fax" is not a phone channel kind`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.value, tt.region, tt.kind)
			if err == nil {
				t.Fatalf("Parse(%q, %q, %q) = %+v, want an error", tt.value, tt.region, tt.kind, got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q, %q, %q) error = %v, want an *Error", tt.value, tt.region, tt.kind, err)
			}
			if !strings.Contains(e.Message, tt.want) {
				t.Errorf("Parse(%q, %q, %q) message = %q, want it to contain %q", tt.value, tt.region, tt.kind, e.Message, tt.want)
			}
			if got != (Number{}) {
				t.Errorf("Parse(%q, %q, %q) returned %+v with an error, want the zero value", tt.value, tt.region, tt.kind, got)
			}
		})
	}
}

func TestIsEmergencyNumber(t *testing.T) {
	tests := []struct {
		value, region string
		want          bool
	}{
		{"999", "", true},
		{"112", "", true},
		{"999", "GB", true},
		{" 9-9-9 ", "GB", true},
		{"18000", "", true},
		{"18000", "IE", false},
		{"101", "", false},
		{"18001 101", "", false},
		{"0808 1000 900", "", false},
		{"9999", "", false},
		{"999a", "", false},
		{"+44 999", "", false},
		{"911", "", false},
		{"911", "US", true},
		{"999", "XX", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := IsEmergency(tt.value, tt.region); got != tt.want {
			t.Errorf("IsEmergency(%q, %q) = %v, want %v", tt.value, tt.region, got, tt.want)
		}
	}
}

func TestParsePhoneRate(t *testing.T) {
	tests := []struct {
		value, kind string
		rate        Rate
		kind2       string
	}{
		{"0808 1000 900", "phone", RateFree, "freephone number"},
		{"0800 555 111", "phone", RateFree, "freephone number"},
		{"0909 879 0000", "phone", RatePremium, "premium-rate number"},
		{"0871 234 5678", "phone", RatePremium, "premium-rate number"},
		{"0306 999 0123", "phone", RateCharged, "non-geographic (UAN) number"},
		{"020 7946 0000", "phone", RateCharged, "geographic number"},
		{"07911 123456", "sms", RateCharged, "mobile number"},
		{"999", "phone", RateFree, "emergency number"},
		{"112", "phone", RateFree, "emergency number"},
		{"116 123", "phone", RateFree, "free short code"},
		{"101", "phone", RateCharged, "short code"},
		{"18000", "textphone", RateFree, "Relay UK emergency route"},
		{"18001 101", "textphone", RateCharged, "Relay UK route to a short code"},
		{"18001 0800 555 111", "textphone", RateFree, "Relay UK route to a freephone number"},
		{"18001 0909 879 0000", "textphone", RatePremium, "Relay UK route to a premium-rate number"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			n, err := Parse(tt.value, "", tt.kind)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.value, err)
			}
			if n.Rate != tt.rate || n.Kind != tt.kind2 {
				t.Errorf("Parse(%q) rate, kind = %q, %q; want %q, %q", tt.value, n.Rate, n.Kind, tt.rate, tt.kind2)
			}
		})
	}
}

func TestNumberDenotes(t *testing.T) {
	tests := []struct {
		value, kind, text string
		want              bool
	}{
		{"0808 1000 900", "phone", "0808 1000 900", true},
		{"0808 1000 900", "phone", "0808 100 0900", true},
		{"0808 1000 900", "phone", "08081000900", true},
		{"0808 1000 900", "phone", "+44 808 1000 900", true},
		{"+44 1372 847 161", "phone", "01372 847161", true},
		{"0808 1000 900", "phone", "0800 555 111", false},
		{"0808 1000 900", "phone", "0808 1000 901", false},
		{"0808 1000 900", "phone", "Call 0808 1000 900", false},
		{"0808 1000 900", "phone", "Stop It Now! helpline", false},
		{"0808 1000 900", "phone", "", false},
		{"101", "phone", "101", true},
		{"101", "phone", "999", false},
		{"18001 101", "textphone", "18001 101", true},
		{"18001 101", "textphone", "18001101", true},
		{"18001 101", "textphone", "101", false},
		{"101", "phone", "18001 101", false},
		{"18001 0800 555 111", "textphone", "18001 0800 555111", true},
		{"18001 0800 555 111", "textphone", "0800 555 111", false},
		{"18000", "textphone", "18000", true},
		{"999", "sms", "999", true},
		{"116123", "phone", "116 123", true},
	}
	for _, tt := range tests {
		t.Run(tt.value+" shown as "+tt.text, func(t *testing.T) {
			n, err := Parse(tt.value, "", tt.kind)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.value, err)
			}
			if got := n.Denotes(tt.text, "", tt.kind); got != tt.want {
				t.Errorf("Parse(%q).Denotes(%q) = %v, want %v", tt.value, tt.text, got, tt.want)
			}
		})
	}
}
