package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// mustCreateKeyCLI runs `keys create` and returns the key from the last line of its
// output, checking that the line holds the key alone.
func mustCreateKeyCLI(t *testing.T, getenv func(string) string, name, scope string) string {
	t.Helper()
	out := mustMain(t, getenv, "keys", "create", "--name", name, "--scope", scope)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	key := lines[len(lines)-1]
	if key == "" || strings.TrimSpace(key) != key || strings.ContainsAny(key, " \t") || !strings.HasPrefix(key, "sp_") {
		t.Fatalf("keys create: the last line %q is not a key alone\noutput:\n%s", key, out)
	}
	if !strings.HasSuffix(out, key+"\n") {
		t.Fatalf("keys create: output does not end with the key's line:\n%s", out)
	}
	for _, l := range lines[:len(lines)-1] {
		if strings.Contains(l, key) {
			t.Errorf("keys create prints the key on another line too: %q", l)
		}
	}
	return key
}

// keyLine returns the `keys list` line of the key named name, split in columns.
func keyLine(t *testing.T, list, name string) []string {
	t.Helper()
	for _, l := range strings.Split(list, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			return f
		}
	}
	t.Fatalf("keys list does not show %q:\n%s", name, list)
	return nil
}

// dbBytes returns the bytes of the SQLite database at path and of its journal files.
func dbBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if len(all) == 0 {
		t.Fatalf("no database at %s", path)
	}
	return all
}

// TestKeysCommand proves `keys create|list|revoke` against a server using the same
// database: a key is printed once, works at once with its scope, is stored only as a
// hash, is listed without the key, and stops working when revoked.
func TestKeysCommand(t *testing.T) {
	path := testDB(t)
	app := MustStartApp(t, WithDBPath(path))
	getenv := env("SIGNPOST_DB", path)

	editor := mustCreateKeyCLI(t, getenv, "comms-team", "editor")
	admin := mustCreateKeyCLI(t, getenv, "ops", "admin")
	if editor == admin {
		t.Fatal("two keys are the same")
	}

	t.Run("OKScopes", func(t *testing.T) {
		resp, _ := app.Write(t, http.MethodPost, "/api/v1/organisations", editor, organisationBody("Keyed organisation"))
		MustStatus(t, resp, http.StatusCreated)
		MustProblem(t, app.Get(t, "/api/v1/audit", auth(editor)...), http.StatusForbidden, "")
		MustStatus(t, app.Get(t, "/api/v1/audit", auth(admin)...), http.StatusOK)
		resp, _ = app.Write(t, http.MethodPost, "/api/v1/organisations", admin, organisationBody("Admin organisation"))
		MustStatus(t, resp, http.StatusCreated)
	})

	t.Run("OKList", func(t *testing.T) {
		list := mustMain(t, getenv, "keys", "list")
		for _, k := range []string{editor, admin} {
			// A key is sp_<12 hex digits>_<secret>; the secret itself may hold '_'.
			secret := strings.SplitN(k, "_", 3)[2]
			if strings.Contains(list, k) || strings.Contains(list, secret) {
				t.Errorf("keys list shows a key:\n%s", list)
			}
		}
		for _, tc := range []struct{ name, scope string }{{"comms-team", "editor"}, {"ops", "admin"}} {
			f := keyLine(t, list, tc.name)
			if len(f) != 5 || f[1] != tc.scope {
				t.Fatalf("line %v, want name, scope %s, created, last used, revoked", f, tc.scope)
			}
			if _, err := time.Parse(time.RFC3339, f[2]); err != nil {
				t.Errorf("%s: created %q is not a time", tc.name, f[2])
			}
			// The server's clock is testEpoch: the last use is the request above.
			if f[3] != testEpoch.Format(time.RFC3339) {
				t.Errorf("%s: last used %q, want %s", tc.name, f[3], testEpoch.Format(time.RFC3339))
			}
			if f[4] != "-" {
				t.Errorf("%s: revoked %q, want -", tc.name, f[4])
			}
		}
		if !strings.Contains(strings.SplitN(list, "\n", 2)[0], "LAST USED") {
			t.Errorf("keys list has no header:\n%s", list)
		}
	})

	t.Run("OKStoredAsHashOnly", func(t *testing.T) {
		for name, k := range map[string]string{"comms-team": editor, "ops": admin} {
			// A key is sp_<12 hex digits>_<secret>; the secret itself may hold '_'.
			secret := strings.SplitN(k, "_", 3)[2]
			if onPostgres() {
				// No file to read; the stored hash is checked below.
			} else if raw := dbBytes(t, path); bytes.Contains(raw, []byte(k)) || bytes.Contains(raw, []byte(secret)) {
				t.Errorf("the database file holds the key of %s", name)
			}
			sum := sha256.Sum256([]byte(k))
			if n := app.MustQueryInt(t, `SELECT COUNT(*) FROM api_keys WHERE name = ? AND hash = ?`, name, hex.EncodeToString(sum[:])); n != 1 {
				t.Errorf("%s: the stored hash is not the key's SHA-256", name)
			}
		}
	})

	t.Run("OKRevoke", func(t *testing.T) {
		out := mustMain(t, getenv, "keys", "revoke", "comms-team")
		if !strings.Contains(out, "comms-team") {
			t.Errorf("keys revoke printed %q", out)
		}
		resp, _ := app.Write(t, http.MethodPost, "/api/v1/organisations", editor, organisationBody("After revoke"))
		MustProblem(t, resp, http.StatusUnauthorized, "")
		if wa := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(wa, "Bearer ") {
			t.Errorf("WWW-Authenticate %q", wa)
		}
		MustProblem(t, app.Get(t, "/api/v1/articles", auth(editor)...), http.StatusUnauthorized, "")
		MustStatus(t, app.Get(t, "/api/v1/audit", auth(admin)...), http.StatusOK)
		if f := keyLine(t, mustMain(t, getenv, "keys", "list"), "comms-team"); len(f) != 5 || f[4] == "-" {
			t.Errorf("keys list after revoke: %v, want a revocation time", f)
		}
	})

	t.Run("ErrBadUse", func(t *testing.T) {
		for _, args := range [][]string{
			{"keys", "create", "--name", "ops", "--scope", "editor"}, // the name is taken
			{"keys", "create", "--name", "root", "--scope", "root"},
			{"keys", "create", "--scope", "editor"},
			{"keys", "create", "--name", "has space", "--scope", "editor"},
			{"keys", "revoke", "nobody"},
			{"keys", "revoke", "comms-team"}, // already revoked
			{"keys", "revoke"},
			{"keys"},
			{"keys", "rotate"},
		} {
			var out bytes.Buffer
			if err := Main(context.Background(), args, getenv, &out, slog.New(slog.DiscardHandler)); err == nil {
				t.Errorf("signpost %s succeeded; output %q", strings.Join(args, " "), out.String())
			}
			if strings.Contains(out.String(), "sp_") {
				t.Errorf("signpost %s printed a key: %q", strings.Join(args, " "), out.String())
			}
		}
		if f := keyLine(t, mustMain(t, getenv, "keys", "list"), "ops"); f[1] != "admin" {
			t.Errorf("a refused create changed the key ops: %v", f)
		}
	})
}
