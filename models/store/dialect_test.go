package store_test

import (
	"strings"
	"testing"

	"signpost/models/store"
)

// TestIsPostgres proves that only postgres:// and postgresql:// URLs select
// PostgreSQL; anything else is a SQLite path.
func TestIsPostgres(t *testing.T) {
	for db, want := range map[string]bool{
		"postgres://u:p@db.example.org/signpost":   true,
		"postgresql://db.example.org:5432/s":       true,
		"POSTGRES://db/s":                          true,
		"signpost.db":                              false,
		"/var/lib/signpost/signpost.db":            false,
		"file:signpost.db":                         false,
		"postgres.db":                              false,
		"./postgres://odd":                         false,
		"host=db user=signpost password=x":         false,
		"mysql://u:p@db/signpost":                  false,
		"data/postgresql/signpost.db":              false,
		"postgres:/not-a-url-without-double-slash": false,
	} {
		if got := store.IsPostgres(db); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", db, got, want)
		}
	}
}

// TestRedactDB proves that RedactDB takes every password out of a database name,
// however it is written, and leaves everything else as it was.
func TestRedactDB(t *testing.T) {
	for _, c := range []struct{ in, want, secret string }{
		{"postgres://signpost:hunter2@db.example.org:5432/signpost?sslmode=require",
			"postgres://signpost:xxxxx@db.example.org:5432/signpost?sslmode=require", "hunter2"},
		{"postgresql://signpost:p%40ss%2Fw0rd@db/signpost", "postgresql://signpost:xxxxx@db/signpost", "p%40ss"},
		// Not escaped as it should be: the password still goes, with all it holds.
		{"postgres://signpost:pa@ss/w#rd@db/signpost", "postgres://signpost:xxxxx@db/signpost", "ss/w#rd"},
		{"postgres://signpost:12345/x@db/s", "postgres://signpost:xxxxx@db/s", "12345"},
		{"postgres://signpost@db/signpost?password=hunter2&sslmode=disable",
			"postgres://signpost@db/signpost?password=xxxxx&sslmode=disable", "hunter2"},
		{"postgres://db/s?sslpassword=hunter2", "postgres://db/s?sslpassword=xxxxx", "hunter2"},
		{"host=db user=signpost password=hunter2 dbname=signpost", "host=db user=signpost password=xxxxx dbname=signpost", "hunter2"},
		{"host=db password = 'hunter 2' dbname=s", "host=db password = xxxxx dbname=s", "hunter"},
		{"PASSWORD=hunter2", "PASSWORD=xxxxx", "hunter2"},
		{"postgres://signpost@db/signpost", "postgres://signpost@db/signpost", ""},
		{"/var/lib/signpost/signpost.db", "/var/lib/signpost/signpost.db", ""},
		{"data/my:file@2.db", "data/my:file@2.db", ""},
	} {
		got := store.RedactDB(c.in)
		if got != c.want {
			t.Errorf("RedactDB(%q) = %q, want %q", c.in, got, c.want)
		}
		if c.secret != "" && strings.Contains(got, c.secret) {
			t.Errorf("RedactDB(%q) = %q still shows %q", c.in, got, c.secret)
		}
	}
}

// TestCheckDB proves that CheckDB takes SQLite paths and PostgreSQL URLs the driver
// can read, refuses key=value connection strings and unreadable URLs, and never
// shows a password in its errors.
func TestCheckDB(t *testing.T) {
	const pw = "n0t-Sh0wn"
	for db, ok := range map[string]bool{
		"signpost.db":                           true,
		"/data/signpost.db":                     true,
		"data/user-files.db":                    true,
		"postgres://u:" + pw + "@db/signpost":   true,
		"postgresql://db:5432,db2:5432/s":       true,
		"":                                      false,
		"   ":                                   false,
		"host=db user=u password=" + pw:         false,
		"dbname=signpost":                       false,
		"postgres://u:" + pw + "@db:notaport/s": false,
		"postgres://u:" + pw + "@db/s?sslmode=sometimes": false,
	} {
		err := store.CheckDB(db)
		if (err == nil) != ok {
			t.Errorf("CheckDB(%q) = %v, want ok %v", db, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("CheckDB(%q) shows the password: %v", db, err)
		}
	}
}
