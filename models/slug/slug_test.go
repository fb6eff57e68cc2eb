package slug

import (
	"regexp"
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	tests := []struct {
		title, want string
	}{
		{"Crème brûlée", "creme-brulee"},
		{"Stop It Now!", "stop-it-now"},
		{"Police, Fire & Crime Commissioner", "police-fire-and-crime-commissioner"},
		{"Crimestoppers", "crimestoppers"},
		{"  Call 999  in an emergency ", "call-999-in-an-emergency"},
		{"Children's Society", "childrens-society"},
		{"Children’s Society", "childrens-society"},
		{"NSPCC — Helpline", "nspcc-helpline"},
		{"snake_case_title", "snake-case-title"},
		{"--Already-a-slug--", "already-a-slug"},
		{"100% safe @ home", "100-safe-at-home"},
		{"Straße", "strasse"},
		{"Łódź", "lodz"},
		{"Ωμέγα", "omega"},
		{"!!!", ""},
		{"", ""},
		{"   ", ""},
		{strings.Repeat("word ", 30), strings.TrimSuffix(strings.Repeat("word-", 16), "-")},
		{strings.Repeat("a", 78) + " b", strings.Repeat("a", 78) + "-b"},
		{strings.Repeat("a", 79) + " b", strings.Repeat("a", 79)},
		{strings.Repeat("a", 80) + " b", strings.Repeat("a", 80)},
		{strings.Repeat("a", 81) + " b", strings.Repeat("a", 80)},
		{strings.Repeat("a", 75) + " bbbbbbbbbb", strings.Repeat("a", 75)},
		{strings.Repeat("é", 100), strings.Repeat("e", 80)},
	}
	for _, tt := range tests {
		got := Make(tt.title)
		if got != tt.want {
			t.Errorf("Make(%q) = %q, want %q", tt.title, got, tt.want)
		}
		if got != "" && !Valid(got) {
			t.Errorf("Make(%q) = %q, which is not a valid slug", tt.title, got)
		}
	}
}

func TestValidSlug(t *testing.T) {
	tests := []struct {
		slug string
		want bool
	}{
		{"stop-it-now", true},
		{"a", true},
		{"101", true},
		{"creme-brulee-2", true},
		{strings.Repeat("a", 80), true},
		{strings.Repeat("a", 81), false},
		{"", false},
		{"-stop", false},
		{"stop-", false},
		{"stop--it", false},
		{"Stop-It", false},
		{"stop_it", false},
		{"stop it", false},
		{"crème", false},
		{"stop/it", false},
		{"-", false},
	}
	for _, tt := range tests {
		if got := Valid(tt.slug); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.slug, got, tt.want)
		}
	}
}

// TestValidSlugMatchesPattern checks Valid against the documented pattern.
func TestValidSlugMatchesPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	inputs := []string{"", "a", "-", "a-", "-a", "a-b", "a--b", "ab-cd-ef", "A", "a_b", "é", "a b", "0-0", "a-b-", strings.Repeat("ab-", 30) + "c"}
	for _, s := range inputs {
		want := pattern.MatchString(s) && len(s) <= MaxLength
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
