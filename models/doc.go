// Package models is Signpost's domain: the content types (articles, helplines,
// campaigns, organisations, regions, topics), the one error type with its codes,
// the filters that select content, and the rules that an editor's write must pass.
// The rule sets of their own (opening hours, phone numbers, Markdown, slugs) are
// the packages below it; the database is package store. Nothing here knows of
// HTTP or SQL.
package models
