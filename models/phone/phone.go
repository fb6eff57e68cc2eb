// Package phone checks and normalises the phone numbers of helpline contacts with
// libphonenumber: ordinary numbers, short codes such as 101 and 999, and the
// Relay UK routes that libphonenumber does not know.
package phone

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region assumed when Parse or IsEmergency is given none.
const DefaultRegion = "GB"

// Channel kinds accepted by Parse.
const (
	KindPhone     = "phone"
	KindTextphone = "textphone"
	KindSMS       = "sms"
)

// Relay UK prefixes. They are not in libphonenumber's data, so Parse handles them itself.
const (
	relayEmergency = "18000" // Relay UK's text route to the emergency services.
	relayPrefix    = "18001" // Relay UK's prefix for a text relay call to another number.
)

// maxInput is the longest input Parse looks at; anything longer is not a phone number.
const maxInput = 64

// Number is a checked, normalised phone number.
type Number struct {
	// E164 is the number in E.164 form, such as "+448081000900".
	// It is empty for short codes and Relay UK routes, which have no E.164 form.
	E164 string
	// Display is the form shown to readers: the national format ("0808 100 0900")
	// when the editor wrote the number in national form, and the international format
	// ("+44 1372 847161") when the editor wrote it with "+" or an international prefix
	// ("00" in the UK) because it is meant for callers abroad.
	Display string
	// Dial is the body of a tel: or sms: URI: "+448081000900", or the digits of a
	// short code or relay route such as "101" or "18001101".
	Dial string
	// URI is the link to the number: "tel:+448081000900", "tel:101", or "sms:..." for SMS channels.
	URI string
	// Short is true for numbers that have no E.164 form and can be dialled only inside
	// the region: short codes (101, 999, 112, 116 123) and Relay UK routes (18000, 18001 101).
	Short bool
	// Rate is what a call costs the caller, as libphonenumber tells from the number.
	Rate Rate
	// Kind names the sort of number in words, for messages to editors: "freephone
	// number", "premium-rate number", "short code", "Relay UK route to a short code".
	Kind string
}

// Rate is what a call to a number costs the caller, as far as libphonenumber's data
// tells from the number alone.
type Rate string

// Rates.
const (
	// RateFree is a freephone number, an emergency number, or a short code that
	// libphonenumber lists as free to call (such as 116 123).
	RateFree Rate = "free"
	// RatePremium is a premium-rate number or short code.
	RatePremium Rate = "premium"
	// RateCharged is any other number: geographic, mobile, shared-cost, UAN, a short
	// code not listed as free (such as 101). The caller may pay.
	RateCharged Rate = "charged"
)

// Denotes reports whether text, read as a phone number in region for a channel of
// kind, is the number n: the same digits dialled, as libphonenumber parses them. So
// "0808 1000 900", "0808 100 0900" and "+44 808 100 0900" all denote +448081000900,
// "18001 101" denotes the relay route to 101 and not 101, and text with anything but a
// number in it denotes nothing.
func (n Number) Denotes(text, region, kind string) bool {
	d, err := Parse(text, region, kind)
	return err == nil && n.Dial != "" && d.Dial == n.Dial
}

// Parse checks and normalises a phone number given as editors type it, in region "GB" by default.
//
// The kind is the channel type: "phone" (the default when kind is ""), "textphone" or
// "sms"; an sms channel gets an "sms:" URI and the others a "tel:" URI.
//
// The value may contain spaces, dashes, dots and brackets, and may start with "+".
// Letters, extensions and any other characters are rejected. Parse accepts:
//
//   - numbers that libphonenumber considers valid, stored in E.164 form;
//   - short codes that libphonenumber considers valid in the region, such as 101, 999,
//     112 and 116 123, written in national form (a short code cannot be dialled from abroad);
//   - in the UK, the Relay UK routes: "18000" alone (emergency text relay), and "18001"
//     followed by a valid national number or non-emergency short code, as in "18001 101"
//     or "18001 0800 555 111". Relay routes are not accepted for SMS channels.
//
// Any other value gives an *Error.
func Parse(value, region, kind string) (Number, error) {
	region, err := phoneRegion(region)
	if err != nil {
		return Number{}, err
	}
	scheme, err := phoneScheme(kind)
	if err != nil {
		return Number{}, err
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return Number{}, errorf("A phone number is required.")
	}
	if len(value) > maxInput {
		return Number{}, errorf("The phone number is too long to be a valid %s.", phoneLabel(region))
	}
	if !wellFormedPhone(value) {
		return Number{}, errorf("%q is not a valid %s: use only digits, spaces, dashes and brackets, with an optional leading \"+\".",
			value, phoneLabel(region))
	}

	value = normalisePhoneSeparators(value)
	digits := phonenumbers.NormalizeDigitsOnly(value)
	if region == "GB" && value[0] != '+' && strings.HasPrefix(digits, "1800") {
		if p, ok := parseRelay(digits, region); ok {
			if scheme == "sms" {
				return Number{}, errorf("%q is a Relay UK route, which cannot receive text messages.", value)
			}
			p.URI = scheme + ":" + p.Dial
			return p, nil
		}
		if digits == relayPrefix {
			return Number{}, errorf("The Relay UK prefix 18001 must be followed by the number to call, as in \"18001 101\".")
		}
		if after, ok := strings.CutPrefix(digits, relayPrefix); ok && phonenumbers.IsEmergencyNumber(after, region) {
			return Number{}, errorf("%q is not a valid Relay UK route: the emergency relay number is 18000.", value)
		}
	}

	p, ok := parseNumber(value, digits, region, false)
	if !ok {
		return Number{}, errorf("%q is not a valid %s.", value, phoneLabel(region))
	}
	p.URI = scheme + ":" + p.Dial
	return p, nil
}

// IsEmergency reports whether value, as dialled in region ("GB" when empty), is
// exactly an emergency number, such as 999 or 112 in the UK. In the UK the Relay UK
// emergency route 18000 counts as an emergency number too. Values containing anything
// but digits, spaces, dashes, dots and brackets are never emergency numbers.
func IsEmergency(value, region string) bool {
	region, err := phoneRegion(region)
	if err != nil {
		return false
	}
	value = strings.TrimSpace(value)
	if value == "" || len(value) > maxInput || !wellFormedPhone(value) {
		return false
	}
	if region == "GB" && value[0] != '+' && phonenumbers.NormalizeDigitsOnly(value) == relayEmergency {
		return true
	}
	return phonenumbers.IsEmergencyNumber(value, region)
}

// parseNumber parses an ordinary number or a short code. When nationalOnly is true,
// numbers written in international form are rejected. It reports false when the
// value is not a valid number of either sort.
func parseNumber(value, digits, region string, nationalOnly bool) (Number, bool) {
	n, err := phonenumbers.ParseAndKeepRawInput(value, region)
	if err != nil {
		return Number{}, false
	}
	src := n.GetCountryCodeSource()
	international := src == phonenumbers.PhoneNumber_FROM_NUMBER_WITH_PLUS_SIGN ||
		src == phonenumbers.PhoneNumber_FROM_NUMBER_WITH_IDD
	if international && nationalOnly {
		return Number{}, false
	}

	if phonenumbers.IsValidNumber(n) {
		e164 := phonenumbers.Format(n, phonenumbers.E164)
		format := phonenumbers.NATIONAL
		if international {
			format = phonenumbers.INTERNATIONAL
		}
		t := numberTypes[phonenumbers.GetNumberType(n)]
		return Number{E164: e164, Display: phonenumbers.Format(n, format), Dial: e164, Rate: t.rate, Kind: t.kind}, true
	}

	// A short code must be written as its bare digits in national form: the library
	// would otherwise accept "+44 101", which cannot be dialled, or strip a national
	// prefix and validate digits other than those the reader would dial.
	if international || phonenumbers.GetNationalSignificantNumber(n) != digits ||
		!phonenumbers.IsValidShortNumberForRegion(n, region) {
		return Number{}, false
	}
	rate, kind := shortRate(digits, region)
	return Number{Display: displayShort(digits), Dial: digits, Short: true, Rate: rate, Kind: kind}, true
}

// parseRelay parses a Relay UK route given as digits: "18000" alone, or "18001" followed
// by a valid national number or a non-emergency short code. It reports false for anything else.
func parseRelay(digits, region string) (Number, bool) {
	if digits == relayEmergency {
		return Number{Display: relayEmergency, Dial: relayEmergency, Short: true, Rate: RateFree, Kind: "Relay UK emergency route"}, true
	}
	rest, ok := strings.CutPrefix(digits, relayPrefix)
	if !ok || rest == "" || strings.HasPrefix(rest, "1800") || phonenumbers.IsEmergencyNumber(rest, region) {
		return Number{}, false
	}
	inner, ok := parseNumber(rest, rest, region, true)
	if !ok {
		return Number{}, false
	}
	// Relay UK adds nothing to the cost: a relayed call costs what a call to the
	// number after the prefix costs.
	return Number{
		Display: relayPrefix + " " + inner.Display,
		Dial:    relayPrefix + rest,
		Short:   true,
		Rate:    inner.Rate,
		Kind:    "Relay UK route to a " + inner.Kind,
	}, true
}

// numberTypes gives the rate and the words for each of libphonenumber's number types.
var numberTypes = map[phonenumbers.PhoneNumberType]struct {
	rate Rate
	kind string
}{
	phonenumbers.FIXED_LINE:           {RateCharged, "geographic number"},
	phonenumbers.MOBILE:               {RateCharged, "mobile number"},
	phonenumbers.FIXED_LINE_OR_MOBILE: {RateCharged, "geographic or mobile number"},
	phonenumbers.TOLL_FREE:            {RateFree, "freephone number"},
	phonenumbers.PREMIUM_RATE:         {RatePremium, "premium-rate number"},
	phonenumbers.SHARED_COST:          {RateCharged, "shared-cost number"},
	phonenumbers.VOIP:                 {RateCharged, "internet (VoIP) number"},
	phonenumbers.PERSONAL_NUMBER:      {RateCharged, "personal number"},
	phonenumbers.PAGER:                {RateCharged, "pager number"},
	phonenumbers.UAN:                  {RateCharged, "non-geographic (UAN) number"},
	phonenumbers.VOICEMAIL:            {RateCharged, "voicemail number"},
	phonenumbers.UNKNOWN:              {RateCharged, "number of unknown type"},
}

// shortMetadata is libphonenumber's short-number data by region.
var shortMetadata = sync.OnceValue(func() map[string]*phonenumbers.PhoneMetadata {
	out := map[string]*phonenumbers.PhoneMetadata{}
	coll, err := phonenumbers.ShortNumberMetadataCollection()
	if err != nil {
		return out // every short code is then charged, which is the safe answer
	}
	for _, m := range coll.GetMetadata() {
		out[m.GetId()] = m
	}
	return out
})

// shortRate is the cost of dialling a short code in region, worked out from
// libphonenumber's short-number data as ShortNumberInfo.getExpectedCostForRegion
// does in the Java library (the Go port has no such function): emergency numbers
// are free; then premium rate, standard rate or toll free as the data lists the
// code; any other is of unknown cost, which counts as charged.
func shortRate(digits, region string) (Rate, string) {
	if phonenumbers.IsEmergencyNumber(digits, region) {
		return RateFree, "emergency number"
	}
	m := shortMetadata()[region]
	switch {
	case m == nil || !matchesDesc(digits, m.GetGeneralDesc()):
	case matchesDesc(digits, m.GetPremiumRate()):
		return RatePremium, "premium-rate short code"
	case matchesDesc(digits, m.GetStandardRate()):
	case matchesDesc(digits, m.GetTollFree()):
		return RateFree, "free short code"
	}
	return RateCharged, "short code"
}

// matchesDesc reports whether the digits of a number fit a description of
// libphonenumber's data: one of its lengths, and its pattern.
func matchesDesc(digits string, d *phonenumbers.PhoneNumberDesc) bool {
	if d == nil || d.GetNationalNumberPattern() == "" {
		return false
	}
	if len(d.PossibleLength) > 0 && !slices.Contains(d.PossibleLength, int32(len(digits))) {
		return false
	}
	return phonenumbers.MatchNationalNumber(digits, d, false)
}

// displayShort formats the digits of a short code. Short codes are shown as plain digits,
// except the European harmonised 116 numbers, which are published as "116 123".
func displayShort(digits string) string {
	if len(digits) == 6 && strings.HasPrefix(digits, "116") {
		return digits[:3] + " " + digits[3:]
	}
	return digits
}

// wellFormedPhone reports whether s holds only digits and separators (spaces, dashes,
// dots and brackets), at least one digit, and at most a single leading "+".
func wellFormedPhone(s string) bool {
	hasDigit := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			hasDigit = true
		case r == '+' && i == 0:
		case r == '-' || r == '.' || r == '(' || r == ')':
		case r >= '\u2010' && r <= '\u2015': // Unicode hyphens and dashes, as pasted from documents.
		case unicode.IsSpace(r):
		default:
			return false
		}
	}
	return hasDigit
}

// normalisePhoneSeparators replaces the Unicode spaces and dashes that wellFormedPhone
// tolerates with ASCII ones, which libphonenumber is sure to understand.
func normalisePhoneSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '\u2010' && r <= '\u2015':
			return '-'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, s)
}

// Error is a number that cannot be accepted. Its message can be shown to editors.
type Error struct {
	Message string
}

func (e *Error) Error() string { return e.Message }

func errorf(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// phoneRegion normalises a region code, defaulting to DefaultRegion, and checks
// that libphonenumber knows it.
func phoneRegion(region string) (string, error) {
	region = strings.ToUpper(strings.TrimSpace(region))
	if region == "" {
		return DefaultRegion, nil
	}
	if !phonenumbers.GetSupportedRegions()[region] {
		return "", errorf("%q is not a supported phone number region.", region)
	}
	return region, nil
}

// phoneScheme returns the URI scheme for a channel kind.
func phoneScheme(kind string) (string, error) {
	switch kind {
	case "", KindPhone, KindTextphone:
		return "tel", nil
	case KindSMS:
		return "sms", nil
	}
	return "", errorf("%q is not a phone channel kind: use %q, %q or %q.",
		kind, KindPhone, KindTextphone, KindSMS)
}

// phoneLabel names the kind of number expected in a region, for error messages.
func phoneLabel(region string) string {
	if region == "GB" {
		return "UK phone number"
	}
	return fmt.Sprintf("phone number for region %s", region)
}
