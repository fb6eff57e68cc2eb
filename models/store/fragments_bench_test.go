package store_test

import (
	"context"
	"testing"

	"signpost/models"
	"signpost/models/store"
)

// BenchmarkArticleListJSON is the public article list from the store alone: the
// read that every uncached list request makes.
func BenchmarkArticleListJSON(b *testing.B) {
	s, _ := MustOpenStore(b, true)
	ctx := context.Background()
	if err := s.Generate(ctx, store.GenerateConfig{Articles: 2000, Helplines: 20, Campaigns: 20, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, bc := range []struct {
		name string
		f    models.ArticleFilter
	}{{"Page1", models.ArticleFilter{}}, {"Region", models.ArticleFilter{Region: "england"}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.FindArticlesJSON(ctx, bc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("Item", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.ArticleJSON(ctx, "synthetic-article-500"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
