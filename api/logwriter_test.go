package main

import (
	"strings"
	"testing"
	"time"
)

// TestLogWriter proves that batched log lines all reach the output: at once when
// 32 KiB are waiting, on Flush, and on Close; none is lost or torn.
func TestLogWriter(t *testing.T) {
	var out syncBuffer
	l := newLogWriter(&out, time.Hour) // no periodic flush during the test
	l.Write([]byte("first line\n"))
	if got := out.String(); got != "" {
		t.Fatalf("a short line was written out at once: %q", got)
	}
	l.Flush()
	if got := out.String(); got != "first line\n" {
		t.Fatalf("after Flush: %q", got)
	}
	line := strings.Repeat("x", 99) + "\n"
	for range 400 { // 40 KB: more than the batch
		l.Write([]byte(line))
	}
	if n := len(out.String()); n < 32<<10 {
		t.Errorf("only %d bytes written with 40 KB waiting", n)
	}
	l.Write([]byte("last line\n"))
	l.Close()
	got := out.String()
	if want := "first line\n" + strings.Repeat(line, 400) + "last line\n"; got != want {
		t.Errorf("after Close: %d bytes, want %d, in order", len(got), len(want))
	}
}
