package main

import (
	"bytes"
	"io/fs"
	"net/http"
	"testing"

	swaggerFiles "github.com/swaggo/files/v2"
)

// TestDocsFiles checks that every file of the documentation UI is served from the
// files embedded in the binary, byte for byte (the page itself and its two
// templated scripts are made by gin-swagger).
func TestDocsFiles(t *testing.T) {
	ui := MustStartApp(t).Unchecked()
	for _, name := range []string{"favicon-16x16.png", "favicon-32x32.png", "oauth2-redirect.html", "swagger-ui.css",
		"swagger-ui.css.map", "swagger-ui.js", "swagger-ui.js.map", "swagger-ui-bundle.js", "swagger-ui-bundle.js.map",
		"swagger-ui-standalone-preset.js", "swagger-ui-standalone-preset.js.map"} {
		t.Run(name, func(t *testing.T) {
			want, err := fs.ReadFile(swaggerFiles.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			resp := ui.Get(t, "/docs/"+name)
			MustStatus(t, resp, http.StatusOK)
			if got := ReadBody(t, resp); !bytes.Equal(got, want) {
				t.Errorf("/docs/%s is %d bytes, want the %d of the embedded file", name, len(got), len(want))
			}
		})
	}
}
