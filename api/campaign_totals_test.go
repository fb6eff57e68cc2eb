package main

import (
	"net/http"
	"testing"

	"signpost/handlers"
)

// campaignOutcome returns the value of one metric among a campaign's outcomes, and
// whether it is there.
func campaignOutcome(t *testing.T, app *editorApp, slug, metric string) (int64, bool) {
	t.Helper()
	var it item[handlers.Campaign]
	getOK(t, app.testApp, "/api/v1/campaigns/"+slug, &it)
	for _, o := range it.Data.Outcomes {
		if o.Metric == metric && o.Value != nil {
			return *o.Value, true
		}
	}
	return 0, false
}

// TestCampaignTotals checks that a campaign's totals count only the outcomes of the
// articles that report its own work, not those of articles that merely mention it.
func TestCampaignTotals(t *testing.T) {
	app := MustStartEditorApp(t)

	t.Run("OKSeed", func(t *testing.T) {
		// The Cumbria week of action was the regional and national campaign's work.
		if n, ok := campaignOutcome(t, app, "tackling-online-child-sexual-exploitation", "arrests"); !ok || n != 2 {
			t.Errorf("regional campaign arrests = %d, %v; want 2", n, ok)
		}
		for _, m := range []string{"arrests", "warrants_executed", "children_safeguarded"} {
			if n, ok := campaignOutcome(t, app, "stop-it-now-deterrence", m); ok {
				t.Errorf("deterrence campaign shows %s = %d from an article that only mentions it", m, n)
			}
		}
		var a item[handlers.Article]
		getOK(t, app.testApp, "/api/v1/articles/"+cumbriaSlug, &a)
		equalSlices(t, "campaigns", refSlugs(a.Data.Campaigns), []string{"tackling-online-child-sexual-exploitation", "stop-it-now-deterrence"})
		equalSlices(t, "reports_work_for", refSlugs(a.Data.ReportsWorkFor), []string{"tackling-online-child-sexual-exploitation"})
	})

	t.Run("OKOnlyTheCampaignsItReports", func(t *testing.T) {
		app.MustCreate(t, "/api/v1/campaigns", app.Editor, campaignBody("Kent week"))
		body := articleBody("Kent week of action")
		body["campaigns"] = []string{"kent-week", "stop-it-now-deterrence"}
		body["reports_work_for"] = []string{"kent-week"}
		body["outcomes"] = []obj{{"metric": "arrests", "label": "Arrests", "value": 5}}
		created := app.MustCreate(t, "/api/v1/articles", app.Editor, body)
		equal(t, "reports_work_for on write", len(created["reports_work_for"].([]any)), 1)
		if n, ok := campaignOutcome(t, app, "kent-week", "arrests"); !ok || n != 5 {
			t.Errorf("kent-week arrests = %d, %v; want 5", n, ok)
		}
		if n, ok := campaignOutcome(t, app, "stop-it-now-deterrence", "arrests"); ok {
			t.Errorf("deterrence campaign arrests = %d, want none", n)
		}
		if n, _ := campaignOutcome(t, app, "tackling-online-child-sexual-exploitation", "arrests"); n != 2 {
			t.Errorf("regional campaign arrests = %d, want 2", n)
		}

		// Saying it no longer reports the campaign's work takes its outcomes away.
		resp, _ := app.Write(t, http.MethodPatch, "/api/v1/articles/"+created["slug"].(string), app.Editor, obj{"reports_work_for": nil})
		MustStatus(t, resp, http.StatusOK)
		if n, ok := campaignOutcome(t, app, "kent-week", "arrests"); ok {
			t.Errorf("kent-week arrests = %d after the article stopped reporting its work, want none", n)
		}
	})

	t.Run("ErrReportsWorkForUnlinkedCampaign", func(t *testing.T) {
		body := articleBody("Unlinked")
		body["reports_work_for"] = []string{"tackling-online-child-sexual-exploitation"}
		resp, _ := app.Write(t, http.MethodPost, "/api/v1/articles", app.Editor, body)
		MustProblem(t, resp, http.StatusUnprocessableEntity, "reports_work_for[0]")
	})
}
