package store

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// IsPostgres reports whether db names a PostgreSQL database: a postgres:// or
// postgresql:// URL. Anything else is a SQLite file path.
func IsPostgres(db string) bool {
	scheme, _, ok := strings.Cut(db, "://")
	if !ok {
		return false
	}
	scheme = strings.ToLower(scheme)
	return scheme == "postgres" || scheme == "postgresql"
}

// keyValueDSN is the start of a libpq key=value connection string, which is not a
// file name anyone means.
var keyValueDSN = regexp.MustCompile(`(?i)^\s*(host|hostaddr|port|dbname|user|password|sslmode|service)\s*=`)

// CheckDB checks a database name without connecting: a PostgreSQL URL must be one
// that the driver can read; a SQLite path must not be a PostgreSQL key=value
// connection string, which would otherwise become the name of a new file. Its
// errors never hold a password.
func CheckDB(db string) error {
	switch {
	case strings.TrimSpace(db) == "":
		return errors.New("must not be empty")
	case IsPostgres(db):
		if _, err := pgconn.ParseConfig(db); err != nil {
			return fmt.Errorf("not a PostgreSQL URL that can be used (%s): %w", RedactDB(db), redactErr(err, db))
		}
	case keyValueDSN.MatchString(db):
		return fmt.Errorf("%q looks like a PostgreSQL key=value connection string; give a postgres:// URL instead, such as postgres://user:password@host:5432/dbname", RedactDB(db))
	}
	return nil
}

// redactedPassword stands in for a password; it is what net/url's Redacted writes.
const redactedPassword = "xxxxx"

// passwordPair is a password=value pair, in a URL's query or a key=value connection
// string, with the value quoted ('…', as libpq allows) or bare.
var passwordPair = regexp.MustCompile(`(?i)((?:^|[\s?&])(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]*)`)

// RedactDB returns db with every password in it replaced by xxxxx: the password of a
// URL's user information, and password= (or sslpassword=) in a URL's query or in a
// key=value connection string. Use it wherever a database name can reach a log, an
// error or the command line's output. A SQLite path comes back as it is, unless it
// holds such a pair.
func RedactDB(db string) string {
	if _, rest, ok := strings.Cut(db, "://"); ok {
		// The user information ends at the last '@': a password may hold anything
		// when it is not escaped, so read it widely rather than parse it as a URL
		// would, which can take a password for a host and port.
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				start := len(db) - len(rest)
				db = db[:start+colon+1] + redactedPassword + rest[at:]
			}
		}
	}
	return passwordPair.ReplaceAllString(db, "${1}"+redactedPassword)
}

// secretsOf returns the passwords in db, as written and unescaped, so that an error
// that quotes one (a driver's message) can be cleaned.
func secretsOf(db string) []string {
	var out []string
	add := func(s string) {
		s = strings.Trim(s, "'")
		if s != "" {
			out = append(out, s)
			if u, err := url.PathUnescape(s); err == nil && u != s {
				out = append(out, u)
			}
		}
	}
	if _, rest, ok := strings.Cut(db, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
			}
		}
	}
	for _, m := range passwordPair.FindAllStringSubmatch(db, -1) {
		add(m[2])
	}
	return out
}

// redactedError is an error whose text has the database's passwords taken out.
type redactedError struct {
	err     error
	secrets []string
}

func (e *redactedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		msg = strings.ReplaceAll(msg, s, redactedPassword)
	}
	return msg
}

func (e *redactedError) Unwrap() error { return e.err }

// redactErr returns err with every password of db taken out of its text; nil stays
// nil. Errors of the PostgreSQL driver pass through it before they leave the store.
func redactErr(err error, db string) error {
	if err == nil {
		return nil
	}
	secrets := secretsOf(db)
	if len(secrets) == 0 {
		return err
	}
	return &redactedError{err: err, secrets: secrets}
}
