package handlers

import (
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces a secret in the logs.
const Redacted = "REDACTED"

// credentialNames are the query parameter names whose values are secrets, lower case
// with '-' read as '_'. Names ending in _key, _token, _secret or _password count too.
var credentialNames = map[string]bool{
	"key": true, "apikey": true, "token": true, "access_token": true, "refresh_token": true, "id_token": true,
	"auth": true, "authorization": true, "bearer": true, "jwt": true, "password": true, "passwd": true, "pwd": true,
	"secret": true, "client_secret": true, "signature": true, "sig": true, "session": true, "sessionid": true,
	"credential": true, "credentials": true,
}

// isCredentialName reports whether a query parameter's name says that its value is a
// secret, however it is spelt: "API-Key", "api%5Fkey" and "x_api_key" all are.
func isCredentialName(name string) bool {
	if n, err := url.QueryUnescape(name); err == nil {
		name = n
	}
	name = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	if credentialNames[name] {
		return true
	}
	for _, suffix := range []string{"_key", "_token", "_secret", "_password"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

var (
	// queryPair is a name=value pair as it appears in a query string or in text
	// quoting one.
	queryPair = regexp.MustCompile(`[A-Za-z0-9_.%~-]+=[^&\s"'<>;,]*`)
	// apiKeyText is a Signpost API key wherever it appears: "sp_", the 12 hex digits
	// of its id, "_" and its secret.
	apiKeyText = regexp.MustCompile(`sp_[0-9a-fA-F]{12}_[A-Za-z0-9_-]+`)
)

// RedactSecrets returns s with the values of credential-like parameters (key=,
// api_key=, token=, access_token=, …) and anything shaped like an API key replaced
// by REDACTED. It is meant for query strings and for any text that may quote one.
func RedactSecrets(s string) string {
	if !mayHoldSecrets(s) {
		return s // the common case: nothing to look at
	}
	s = queryPair.ReplaceAllStringFunc(s, func(pair string) string {
		name, _, _ := strings.Cut(pair, "=")
		if isCredentialName(name) {
			return name + "=" + Redacted
		}
		return pair
	})
	if strings.Contains(s, "sp_") {
		s = apiKeyText.ReplaceAllString(s, Redacted)
	}
	return s
}

// RedactLogs wraps a logger so that every line it writes goes through RedactSecrets:
// the message and every string value, in groups too, and errors by their text. The
// access log leaves query strings out by default; this keeps the secrets out of
// them when -log-client turns them on, and out of any other line that quotes a URL.
func RedactLogs(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(redactHandler); ok {
		return l
	}
	return slog.New(redactHandler{l.Handler()})
}

type redactHandler struct{ next slog.Handler }

func (h redactHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	if !mayHoldSecrets(r.Message) && !attrsMayHoldSecrets(r) {
		return h.next.Handle(ctx, r) // the common case, such as an access log line: no copy
	}
	out := slog.NewRecord(r.Time, r.Level, RedactSecrets(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = redactAttr(a)
	}
	return redactHandler{h.next.WithAttrs(out)}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h.next.WithGroup(name)}
}

// mayHoldSecrets reports whether RedactSecrets could change s.
func mayHoldSecrets(s string) bool {
	return strings.Contains(s, "=") || strings.Contains(s, "sp_")
}

func attrsMayHoldSecrets(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = attrMayHoldSecrets(a)
		return !found
	})
	return found
}

func attrMayHoldSecrets(a slog.Attr) bool {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return mayHoldSecrets(v.String())
	case slog.KindGroup:
		for _, g := range v.Group() {
			if attrMayHoldSecrets(g) {
				return true
			}
		}
	case slog.KindAny:
		_, isErr := v.Any().(error)
		return isErr
	}
	return false
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, RedactSecrets(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]slog.Attr, len(attrs))
		for i, g := range attrs {
			out[i] = redactAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, RedactSecrets(err.Error()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
