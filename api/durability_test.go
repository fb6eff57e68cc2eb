package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// server is the real binary running as a child process.
type server struct {
	cmd     *exec.Cmd
	URL     string
	exited  chan struct{} // closed when the process is gone
	waitErr error         // Wait's result, set before exited is closed
}

// mustBuildBinary builds the signpost binary from this directory into dir.
func mustBuildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "signpost")
	cmd := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// mustStartServer starts `signpost serve` on 127.0.0.1:0 over db and waits, within
// deadline, for the "listening" line of its JSON log and then for /readyz to answer
// 200. The process is killed when the test ends if it still runs.
func mustStartServer(t *testing.T, ctx context.Context, bin, db string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-db", db)
	cmd.Env = append(os.Environ(), "SIGNPOST_LOG_CLIENT=false")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	s := &server{cmd: cmd, exited: make(chan struct{})}
	addrc := make(chan string, 1)
	var logMu sync.Mutex
	var logTail bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() { // keep reading so that the child never blocks on a full pipe
			logMu.Lock()
			logTail.Write(sc.Bytes())
			logTail.WriteByte('\n')
			logMu.Unlock()
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" && line.Addr != "" {
				addrc <- line.Addr
				sent = true
			}
		}
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			cmd.Process.Kill()
			<-s.exited
		}
	})
	select {
	case addr := <-addrc:
		s.URL = "http://" + addr
	case <-s.exited:
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("the server exited before listening: %v\n%s", s.waitErr, logTail.String())
	case <-ctx.Done():
		t.Fatalf("the server did not log its address in time")
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the server at %s was not ready in time (last error %v)", s.URL, err)
		case <-time.After(20 * time.Millisecond): // a poll interval, not a guess at timing
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill: %v", err)
	}
	<-s.exited
	if ws, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the server ended with %v, not by SIGKILL", s.cmd.ProcessState)
	}
}

// acked is a write the server acknowledged with a 2xx.
type acked struct {
	slug, title, body string
}

// TestDurability proves that every write the server acknowledged survives a SIGKILL
// of the server in the middle of a stream of writes: the real binary is built,
// started, fed articles from several goroutines, killed, and started again on the
// same database: a SQLite file, or a PostgreSQL database when the tests run on
// PostgreSQL (the server is killed, not PostgreSQL: what was acknowledged must have
// been committed).
func TestDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := mustBuildBinary(t, dir)
	db := testDB(t)

	srv := mustStartServer(t, ctx, bin, db)
	out, err := exec.CommandContext(ctx, bin, "keys", "create", "-db", db, "--name", "durability", "--scope", "editor").Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	key := lines[len(lines)-1]

	const writers, killAfter = 4, 30
	var (
		mu       sync.Mutex
		acks     []acked
		n        atomic.Int64 // requests started
		inFlight atomic.Int64
		killed   = make(chan struct{})
		enough   = make(chan struct{})
		once     sync.Once
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-killed:
					return
				case <-ctx.Done():
					return
				default:
				}
				i := n.Add(1)
				title := fmt.Sprintf("Durable write %d from writer %d", i, w)
				body := fmt.Sprintf("## Write %d\n\n%s\n", i, strings.Repeat(fmt.Sprintf("Line %d of writer %d. ", i, w), 40))
				b, _ := json.Marshal(obj{"title": title, "body_markdown": body, "status": "published"})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/api/v1/articles", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+key)
				inFlight.Add(1)
				resp, err := client.Do(req)
				inFlight.Add(-1)
				if err != nil {
					continue // the server is gone: this write was not acknowledged
				}
				var got struct{ Data struct{ Slug string } }
				rb, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rerr != nil || resp.StatusCode != http.StatusCreated || json.Unmarshal(rb, &got) != nil {
					select {
					case <-killed:
					default:
						if rerr == nil && resp.StatusCode != http.StatusCreated {
							t.Errorf("write %d: %d %s", i, resp.StatusCode, rb)
						}
					}
					continue
				}
				mu.Lock()
				acks = append(acks, acked{slug: got.Data.Slug, title: title, body: body})
				if len(acks) >= killAfter {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-ctx.Done():
		t.Fatal("the writes were too slow")
	}
	busy, started := inFlight.Load(), n.Load()
	srv.kill(t)
	close(killed)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d writes acknowledged, %d started before the kill, %d of them in flight at the kill", len(acks), started, busy)

	srv = mustStartServer(t, ctx, bin, db)
	for _, a := range acks {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/articles/"+a.slug, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("acknowledged write %s is lost: %d %s", a.slug, resp.StatusCode, raw)
			continue
		}
		var got struct {
			Data struct {
				Title        string `json:"title"`
				BodyMarkdown string `json:"body_markdown"`
				Status       string `json:"status"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("GET %s: %v", a.slug, err)
		}
		if got.Data.Title != a.title || got.Data.BodyMarkdown != a.body || got.Data.Status != "published" {
			t.Errorf("acknowledged write %s is not intact: title %q body %d bytes status %q", a.slug, got.Data.Title, len(got.Data.BodyMarkdown), got.Data.Status)
		}
	}
	srv.kill(t)

	side, err := openSide(db)
	if err != nil {
		t.Fatal(err)
	}
	defer side.Close()
	if !onPostgres() {
		// The file itself is sound.
		var check string
		if err := side.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Errorf("integrity_check: %q %v", check, err)
		}
	}
	var stored int
	side.QueryRow(`SELECT COUNT(*) FROM articles WHERE title LIKE 'Durable write %'`).Scan(&stored)
	if stored < len(acks) {
		t.Errorf("%d durable articles stored, %d acknowledged", stored, len(acks))
	}
	var audited int
	side.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE key_name = 'durability'`).Scan(&audited)
	if audited != stored {
		t.Errorf("%d audit entries for %d articles: a write and its audit entry must commit together", audited, stored)
	}
}
