package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"signpost/handlers"
	"signpost/models/store"
)

const copyUsage = "usage: signpost copy -from DB -to DB [-replace]"

// copyCommand runs `copy -from DB -to DB [-replace]`: every row of one database, from
// one consistent snapshot, into another of either kind (see store.Copy). It prints
// the rows copied, table by table.
func copyCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("signpost copy", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\n"+
			"Copies every row of the database -from (content, slug history, audit log, API key\n"+
			"hashes, webhooks, the changes feed) into the database -to, from one consistent\n"+
			"snapshot, in one transaction. Either may be a SQLite file or a postgres:// URL.\n"+
			"-from must be at this binary's schema version (run 'signpost migrate' on it\n"+
			"first); -to is created (SQLite) and migrated. A -to that holds data is refused\n"+
			"unless -replace.\n\n", copyUsage)
		fs.PrintDefaults()
	}
	var from, to string
	fs.Var(dbFlag{&from}, "from", "the database to copy: a SQLite file or a postgres:// URL; it is only read")
	fs.Var(dbFlag{&to}, "to", "the database to copy into: a SQLite file (created if missing) or a postgres:// URL")
	replace := fs.Bool("replace", false, "empty a -to that already holds data, in the copy's transaction, instead of refusing it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments: %v\n%s", fs.Args(), copyUsage)
	case from == "" || to == "":
		return errors.New("copy needs both -from and -to\n" + copyUsage)
	}
	if err := store.CheckDB(from); err != nil {
		return fmt.Errorf("invalid -from: %v", err)
	}
	if err := store.CheckDB(to); err != nil {
		return fmt.Errorf("invalid -to: %v", err)
	}
	start := time.Now()
	counts, err := store.Copy(ctx, store.Config{DB: from, Render: handlers.Renderer{}}, store.Config{DB: to, Render: handlers.Renderer{}},
		store.CopyOptions{Replace: *replace})
	if errors.Is(err, store.ErrTargetNotEmpty) {
		return fmt.Errorf("%w (nothing was copied)", err)
	}
	if err != nil && counts == nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TABLE\tROWS")
	var total int64
	for _, c := range counts {
		fmt.Fprintf(w, "%s\t%d\n", c.Table, c.Rows)
		total += c.Rows
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %d rows in %d tables from %s to %s in %s\n", total, len(counts),
		store.RedactDB(from), store.RedactDB(to), time.Since(start).Round(time.Millisecond))
	return nil
}
