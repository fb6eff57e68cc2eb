package search

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Fold returns text as SQLite's unicode61 tokenizer (remove_diacritics 2) sees it,
// for an engine that does not fold by itself (PostgreSQL's simple configuration):
// every separator becomes a space, the diacritics unicode61 drops are dropped, and
// letters are lower-cased and stripped of their diacritics as unicode61 does. So
// "Crème brûlée!" becomes "creme brulee ". The tables come from SQLite itself (see
// TestFoldTable), for every rune up to U+1FFFF; runes above stay as they are.
// PostgreSQL's search_fold function (migration 0007) does the same in SQL.
func Fold(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch f := foldRune(r); f {
		case foldDrop:
		default:
			b.WriteRune(f)
		}
	}
	return b.String()
}

// foldDrop is what foldRune returns for a rune that the tokenizer drops.
const foldDrop rune = -1

// foldRune returns what r becomes: a space for a separator, foldDrop for a dropped
// diacritic, else the folded letter (r itself when it does not change).
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return r
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		}
		return ' '
	}
	if inRanges(foldSeparators, r) {
		return ' '
	}
	if i := sort.Search(len(foldDropped), func(i int) bool { return foldDropped[i] >= r }); i < len(foldDropped) && foldDropped[i] == r {
		return foldDrop
	}
	if i := sort.Search(len(foldMapped)/2, func(i int) bool { return foldMapped[2*i] >= r }); 2*i < len(foldMapped) && foldMapped[2*i] == r {
		return foldMapped[2*i+1]
	}
	return r
}

// inRanges reports whether r is in one of the sorted ranges lo, hi, lo, hi, ….
func inRanges(ranges []rune, r rune) bool {
	i := sort.Search(len(ranges)/2, func(i int) bool { return ranges[2*i+1] >= r })
	return 2*i < len(ranges) && ranges[2*i] <= r
}

// FoldFunctionSQL is the definition of PostgreSQL's search_fold(text), which folds as
// Fold does: the separators beyond ASCII become spaces and the dropped diacritics go
// (two regular expressions over ranges), then translate folds the letters beyond
// ASCII, when there is one. ASCII letters are left to the simple configuration, which
// lower-cases them, and its parser, which splits words at ASCII punctuation; ASCII
// punctuation becomes a space all the same, so that the parser never sees an e-mail
// address, a host or a hyphenated word, which it would index as a word of its own.
func FoldFunctionSQL() string {
	class := func(ranges []rune) string {
		var b strings.Builder
		b.WriteByte('[')
		for i := 0; i < len(ranges); i += 2 {
			// Escaped twice: once for the string, once for the regular
			// expression, to which every rune is an escape, never syntax.
			b.WriteString(`\\` + sqlEscape(ranges[i])[1:])
			if ranges[i+1] != ranges[i] {
				b.WriteString(`-\\` + sqlEscape(ranges[i+1])[1:])
			}
		}
		b.WriteByte(']')
		return b.String()
	}
	var seps []rune
	for c := rune(1); c < utf8.RuneSelf; c++ {
		if foldRune(c) == ' ' {
			seps = appendRange(seps, c)
		}
	}
	for i := 0; i < len(foldSeparators); i += 2 {
		seps = append(seps, foldSeparators[i], foldSeparators[i+1])
	}
	var dropped, from []rune
	var fromS, toS strings.Builder
	for _, r := range foldDropped {
		dropped = appendRange(dropped, r)
	}
	for i := 0; i < len(foldMapped); i += 2 {
		if foldMapped[i] < utf8.RuneSelf {
			continue
		}
		from = appendRange(from, foldMapped[i])
		fromS.WriteString(sqlEscape(foldMapped[i]))
		toS.WriteString(sqlEscape(foldMapped[i+1]))
	}
	return fmt.Sprintf(`CREATE FUNCTION search_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT CASE WHEN f ~ E'%[3]s' THEN translate(f, E'%[4]s', E'%[5]s') ELSE f END
    FROM regexp_replace(regexp_replace(t, E'%[1]s', ' ', 'g'), E'%[2]s', '', 'g') AS f);`,
		class(seps), class(dropped), class(from), fromS.String(), toS.String())
}

// appendRange adds r to sorted ranges, extending the last one when r follows it.
func appendRange(ranges []rune, r rune) []rune {
	if n := len(ranges); n > 0 && ranges[n-1] == r-1 {
		ranges[n-1] = r
		return ranges
	}
	return append(ranges, r, r)
}

// sqlEscape writes r as an escape of a PostgreSQL E” string.
func sqlEscape(r rune) string {
	if r > 0xFFFF {
		return fmt.Sprintf(`\U%08X`, r)
	}
	return fmt.Sprintf(`\u%04X`, r)
}
