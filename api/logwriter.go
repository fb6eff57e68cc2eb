package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logWriter gathers the server's log lines and writes them out in batches, at
// least every interval and whenever 32 KiB are waiting: a busy server then makes
// one write call for many access log lines instead of one for each, which cost as
// much as the rest of the access log. A line is at most interval late, and a
// process killed with SIGKILL loses at most that much of the log.
type logWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newLogWriter(w io.Writer, interval time.Duration) *logWriter {
	l := &logWriter{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.Flush()
			case <-l.stop:
				l.Flush()
				return
			}
		}
	}()
	return l
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.w.Write(p)
	if err == nil && l.w.Buffered() >= 32<<10 {
		err = l.w.Flush()
	}
	return n, err
}

// Flush writes out what is waiting.
func (l *logWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Flush()
}

// Close writes out what is waiting and stops the periodic flushes.
func (l *logWriter) Close() {
	close(l.stop)
	<-l.done
}
