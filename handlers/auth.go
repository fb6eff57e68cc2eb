package handlers

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"signpost/models"
)

// KeyStore authenticates API keys.
type KeyStore interface {
	Authenticate(ctx context.Context, key string) (*models.Key, error)
}

const keyContextKey = "signpost.key"

// bearer returns the token of an "Authorization: Bearer" header, and whether the
// header was there at all.
func bearer(c *gin.Context) (string, bool) {
	h := c.GetHeader("Authorization")
	if h == "" {
		return "", false
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(token), true
}

func unauthorized(c *gin.Context, msg string, invalid bool) {
	v := `Bearer realm="signpost"`
	if invalid {
		v += `, error="invalid_token"`
	}
	c.Header("WWW-Authenticate", v)
	writeProblem(c, models.Errorf(models.EUNAUTHORIZED, "%s", msg))
}

const keyLookupKey = "signpost.key_lookup"

// keyLookup is the outcome of looking up a request's key.
type keyLookup struct {
	present bool        // the request has an Authorization header
	key     *models.Key // the valid key, or nil
	err     error       // why there is no key although one was given; nil when malformed
}

// lookupKey looks the request's bearer key up once per request and remembers the
// outcome, so that the rate limiter (which needs the key's name before any route
// runs) and authenticate share one lookup. It writes nothing.
func (h *Handler) lookupKey(c *gin.Context) keyLookup {
	if v, ok := c.Get(keyLookupKey); ok {
		return v.(keyLookup)
	}
	var l keyLookup
	token, present := bearer(c)
	l.present = present
	if present && token != "" {
		l.key, l.err = h.store.Authenticate(c.Request.Context(), token)
		if l.err != nil {
			l.key = nil
		}
	}
	c.Set(keyLookupKey, l)
	return l
}

// authenticate checks the request's key, if any: it returns the key, nil when the
// request has none, or writes a 401 and returns ok=false.
func (h *Handler) authenticate(c *gin.Context) (key *models.Key, ok bool) {
	l := h.lookupKey(c)
	switch {
	case !l.present:
		return nil, true
	case l.key == nil && l.err == nil:
		unauthorized(c, "Use 'Authorization: Bearer <api key>'.", true)
		return nil, false
	case l.err != nil:
		if models.ErrorCode(l.err) == models.EUNAUTHORIZED {
			unauthorized(c, "The API key is not valid.", true)
		} else {
			WriteError(c, l.err)
		}
		return nil, false
	}
	c.Set(keyContextKey, l.key)
	return l.key, true
}

// RequireScope refuses requests without a valid key (401) or whose key lacks the
// scope (403).
func (h *Handler) RequireScope(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		k, ok := h.authenticate(c)
		if !ok {
			return
		}
		if k == nil {
			unauthorized(c, "This needs an API key: 'Authorization: Bearer <api key>'.", false)
			return
		}
		if !k.Allows(scope) {
			writeProblem(c, models.Errorf(models.EFORBIDDEN, "The key %q has scope %q; this needs %q.", k.Name, k.Scope, scope))
			return
		}
		c.Next()
	}
}

// OptionalKey lets editors read drafts on the public GET routes: a valid key with the
// editor scope widens what the request sees; a bad key is refused with 401. Responses
// to requests with a key are never cached by shared caches.
func (h *Handler) OptionalKey() gin.HandlerFunc {
	return func(c *gin.Context) {
		k, ok := h.authenticate(c)
		if !ok {
			return
		}
		if k != nil {
			c.Header("Cache-Control", "private, no-store")
		}
		c.Next()
	}
}

// key returns the request's authenticated key, or nil.
func key(c *gin.Context) *models.Key {
	if v, ok := c.Get(keyContextKey); ok {
		return v.(*models.Key)
	}
	return nil
}

// visibility is what the request may see: editors see drafts too.
func visibility(c *gin.Context) models.Visibility {
	k := key(c)
	return models.Visibility{Editor: k != nil && k.Allows(models.ScopeEditor)}
}
