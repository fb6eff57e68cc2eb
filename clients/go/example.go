// Command example uses the Go client that oapi-codegen generates from Signpost's
// /openapi.json (into ./signpost, which is not committed): a page of articles,
// revalidated with its ETag, one helpline, a typed problem for an unknown slug and,
// with an editor key, a new draft. .ci/clients builds and runs it against a live
// server; it fails on any answer the description does not lead it to expect.
//
//	go tool oapi-codegen -config oapi-codegen.yaml http://localhost:8080/openapi.json
//	go run . -url http://localhost:8080 -key "$SIGNPOST_KEY"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"signpost/clients/go/signpost"
)

func main() {
	base := flag.String("url", "http://localhost:8080", "the Signpost server")
	key := flag.String("key", os.Getenv("SIGNPOST_KEY"), "an editor key, to create a draft (default $SIGNPOST_KEY; none: skip)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, *base, *key, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, base, key string, w io.Writer) error {
	c, err := signpost.NewClientWithResponses(base)
	if err != nil {
		return err
	}

	// A page of articles. The fields every article has are plain values, and times
	// are time.Time: the description says which fields are required and their formats.
	limit := 2
	list, err := c.ListArticlesWithResponse(ctx, &signpost.ListArticlesParams{Limit: &limit})
	if err != nil {
		return err
	}
	if list.JSON200 == nil || list.Headers200 == nil || list.Headers200.ETag == nil {
		return fmt.Errorf("list articles: status %d, want 200 with an ETag", list.StatusCode())
	}
	for _, a := range list.JSON200.Data {
		var updated time.Time = a.UpdatedAt
		var slug string = a.Slug
		fmt.Fprintf(w, "article  %s  %s (updated %s)\n", slug, a.Title, updated.Format(time.DateOnly))
	}
	if next := list.JSON200.Meta.NextCursor; next != nil {
		fmt.Fprintf(w, "next page: cursor %s\n", *next)
	}

	// The same page again with its ETag: 304 and no body.
	again, err := c.ListArticlesWithResponse(ctx, &signpost.ListArticlesParams{Limit: &limit, IfNoneMatch: list.Headers200.ETag})
	if err != nil {
		return err
	}
	if again.StatusCode() != http.StatusNotModified {
		return fmt.Errorf("list articles with If-None-Match: status %d, want 304", again.StatusCode())
	}
	fmt.Fprintln(w, "revalidated: 304 Not Modified")

	// One helpline; open_now is null when the hours are not known.
	hl, err := c.GetHelplineWithResponse(ctx, "stop-it-now", nil)
	if err != nil {
		return err
	}
	if hl.JSON200 == nil {
		return fmt.Errorf("get helpline: status %d, want 200", hl.StatusCode())
	}
	h := hl.JSON200.Data
	open := "unknown"
	if h.OpenNow != nil {
		open = map[bool]string{true: "open", false: "closed"}[*h.OpenNow]
	}
	fmt.Fprintf(w, "helpline %s: %s now\n", h.Name, open)
	for _, ct := range h.Contacts {
		fmt.Fprintf(w, "  %s %s: %s (%s)\n", ct.Type, ct.Label, ct.Display, ct.Uri)
	}

	// An unknown slug is an RFC 9457 problem, decoded as one.
	nf, err := c.GetArticleWithResponse(ctx, "no-such-article", nil)
	if err != nil {
		return err
	}
	if nf.ApplicationproblemJSON404 == nil {
		return fmt.Errorf("get unknown article: status %d, want a 404 problem", nf.StatusCode())
	}
	fmt.Fprintf(w, "unknown article: %d %s\n", nf.ApplicationproblemJSON404.Status, nf.ApplicationproblemJSON404.Title)

	if key == "" {
		fmt.Fprintln(w, "no key: not creating a draft")
		return nil
	}
	// A draft, written with the typed request body; it is not public until published.
	withKey := func(ctx context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+key)
		return nil
	}
	status := signpost.HandlersArticleInputStatusDraft
	summary := "Written by the generated Go client."
	created, err := c.CreateArticleWithResponse(ctx, signpost.HandlersArticleInput{
		Title: "A draft from the Go client", Summary: &summary, Status: &status,
	}, withKey)
	if err != nil {
		return err
	}
	if created.JSON201 == nil {
		if p := created.ApplicationproblemJSON422; p != nil {
			return errors.New("create article: " + p.Detail)
		}
		return fmt.Errorf("create article: status %d, want 201", created.StatusCode())
	}
	fmt.Fprintf(w, "created draft %s (%s)\n", created.JSON201.Data.Slug, created.JSON201.Data.Status)
	return nil
}
