package handlers

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	ginSwagger "github.com/swaggo/gin-swagger"
)

var (
	openAPI = sync.OnceValues(func() ([]byte, error) {
		doc, err := OpenAPI3()
		if err != nil {
			return nil, err
		}
		return json.Marshal(doc)
	})
	swagger2 = sync.OnceValues(func() ([]byte, error) {
		doc, err := Swagger2()
		if err != nil {
			return nil, err
		}
		return json.Marshal(doc)
	})
)

// OpenAPI3 returns the API's OpenAPI 3 description, converted from the Swagger 2
// document of Swagger2.
func OpenAPI3() (*openapi3.T, error) {
	v2, err := Swagger2()
	if err != nil {
		return nil, err
	}
	v3, err := openapi2conv.ToV3(v2)
	if err != nil {
		return nil, err
	}
	v3.Servers = openapi3.Servers{{URL: "/"}}
	problemMediaTypes(v3)
	htmlNotFound(v3)
	rateLimitResponses(v3)
	parameterExamples(v3)
	requestExamples(v3)
	sharedHeaders(v3)
	return v3, nil
}

// problemMediaTypes makes every error response (4xx, 5xx) of the document
// application/problem+json, which is what WriteError sends. Swagger 2, and so swag,
// has one list of media types per operation, so the annotations cannot say it.
func problemMediaTypes(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses == nil {
				continue
			}
			for code, ref := range op.Responses.Map() {
				if ref == nil || ref.Value == nil || len(code) != 3 || code[0] < '4' {
					continue
				}
				// The operation's own media types (JSON, or a feed's XML) all carry the
				// same Problem schema; the error is sent as problem+json alone.
				content := ref.Value.Content
				mt := content["application/json"]
				for _, name := range slices.Sorted(maps.Keys(content)) {
					if mt == nil {
						mt = content[name]
					}
				}
				if mt != nil {
					ref.Value.Content = openapi3.Content{ProblemContentType: mt}
				}
			}
		}
	}
}

// htmlNotFound says that the 404 of each of HTMLErrorOperations is also an HTML page
// (for a browser), besides the problem.
func htmlNotFound(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if !slices.Contains(HTMLErrorOperations, op.OperationID) || op.Responses == nil {
				continue
			}
			if r := op.Responses.Value("404"); r != nil && r.Value != nil {
				r.Value.Content["text/html"] = &openapi3.MediaType{Schema: openapi3.NewStringSchema().NewRef()}
			}
		}
	}
}

// openapiJSON godoc
//
//	@Summary	The OpenAPI 3 description of this API
//	@ID			getOpenAPI
//	@Description	This document: OpenAPI 3.0, converted from the Swagger 2 description at /docs/doc.json. Both are made from the handlers' annotations.
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	object
//	@Router		/openapi.json [get]
func openapiJSON(c *gin.Context) {
	b, err := openAPI()
	if err != nil {
		WriteError(c, err)
		return
	}
	dependsOn(c, tagStatic)
	c.Data(http.StatusOK, "application/json", b)
}

// docsAssets are the files of the documentation UI under /docs/: what gin-swagger
// serves. Any other path there is a 404 problem, not the UI's own plain-text one.
var docsAssets = map[string]bool{
	"index.html": true, "index.css": true, "swagger-initializer.js": true, "doc.json": true,
	"favicon-16x16.png": true, "favicon-32x32.png": true, "oauth2-redirect.html": true,
	"swagger-ui.css": true, "swagger-ui.css.map": true, "swagger-ui.js": true, "swagger-ui.js.map": true,
	"swagger-ui-bundle.js": true, "swagger-ui-bundle.js.map": true,
	"swagger-ui-standalone-preset.js": true, "swagger-ui-standalone-preset.js.map": true,
}

// DocsRoutes serves the spec at /openapi.json and a browsable UI at /docs. The UI's
// assets are embedded in the binary: the page makes no third-party requests.
func DocsRoutes(r *gin.Engine) {
	r.Match(getHead, "/openapi.json", openapiJSON)
	ui := ginSwagger.WrapHandler(docsFiles, ginSwagger.URL("/openapi.json"), ginSwagger.DocExpansion("list"))
	r.Match(getHead, "/docs", func(c *gin.Context) { c.Redirect(http.StatusFound, "/docs/index.html") })
	r.Match(getHead, "/docs/*any", func(c *gin.Context) {
		if c.Param("any") == "/doc.json" {
			dependsOn(c, tagStatic)
			swaggerJSON(c)
			return
		}
		if !docsAssets[strings.TrimPrefix(c.Param("any"), "/")] {
			NotFound(c)
			return
		}
		c.Header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
		dependsOn(c, tagStatic)
		// The UI answers GET alone, and its file server would answer ranges and
		// preconditions with plain-text errors: it gets a plain GET, and the
		// Conditional middleware does ETags and 304s (and drops a HEAD's body). It
		// finds the file in the whole request URI and keeps the first one's prefix
		// for good, so it gets the path alone.
		req := c.Request.Clone(c.Request.Context())
		req.Method = http.MethodGet
		req.URL.RawQuery = ""
		req.RequestURI = req.URL.EscapedPath()
		for _, h := range []string{"Range", "If-Range", "If-Match", "If-Unmodified-Since", "If-None-Match", "If-Modified-Since"} {
			req.Header.Del(h)
		}
		orig := c.Request
		c.Request = req
		ui(c)
		c.Request = orig
	})
}

// swaggerJSON serves the Swagger 2 description, for tools that read only Swagger 2.
// It is not an operation of its own: it shares /docs/*any with the UI.
func swaggerJSON(c *gin.Context) {
	b, err := swagger2()
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json", b)
}
