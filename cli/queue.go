package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"kith/store"
)

const queueUsage = `Usage:
  kith queue list [--dead] [--limit N] [--config FILE]
  kith queue retry [--config FILE] ID | --all-dead
  kith queue drop [--config FILE] ID | --all-dead`

// runQueue shows the background job queue (deliveries, inbound activities,
// fetches) and retries or drops dead jobs.
func runQueue(ctx context.Context, c stdio, args []string) error {
	return dispatch(ctx, c, "queue", queueUsage, []subcommand{
		{"list", runQueueList},
		{"retry", func(ctx context.Context, c stdio, args []string) error { return runQueueChange(ctx, c, "retry", args) }},
		{"drop", func(ctx context.Context, c stdio, args []string) error { return runQueueChange(ctx, c, "drop", args) }},
	}, args)
}

func runQueueList(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "queue list", `queue list [--dead] [--limit N] [--config FILE]

Lists jobs, the next due first: deliveries (with their inbox), received
activities being applied, fetches, periodic work. Dead jobs failed every
retry (about five days for deliveries); 'kith queue retry' or 'drop' them.`)
	dead := fs.Bool("dead", false, "only dead jobs")
	limit := fs.Int("limit", 100, "list at most this many")
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	state := ""
	if *dead {
		state = store.JobDead
	}
	jobs, err := a.db.Jobs(ctx, state, *limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATE\tATTEMPTS\tRUN AT\tDETAIL")
	for _, j := range jobs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Kind, j.State, j.Attempts,
			j.RunAt.UTC().Format("2006-01-02 15:04:05"), jobDetail(j))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(jobs) == 0 {
		fmt.Fprintln(c.stderr, "No jobs.")
	}
	return nil
}

// jobDetail is the inbox of a delivery and the last error, on one line.
func jobDetail(j store.Job) string {
	var parts []string
	if i := strings.Index(string(j.Payload), `"inbox":"`); i >= 0 {
		inbox := string(j.Payload[i+len(`"inbox":"`):])
		if end := strings.IndexByte(inbox, '"'); end >= 0 {
			parts = append(parts, inbox[:end])
		}
	}
	if j.LastError != "" {
		msg := strings.Join(strings.Fields(j.LastError), " ")
		if len(msg) > 100 {
			msg = msg[:100] + "…"
		}
		parts = append(parts, msg)
	}
	return strings.Join(parts, ": ")
}

func runQueueChange(ctx context.Context, c stdio, verb string, args []string) error {
	what := "puts a dead job back in the queue with a fresh set of retries; a running kith serve runs it within a second"
	if verb == "drop" {
		what = "deletes a dead or queued job (never a running or periodic one)"
	}
	fs := newFlags(c, "queue "+verb, "queue "+verb+" [--config FILE] ID | --all-dead\n\n"+strings.ToUpper(verb[:1])+verb[1:]+" "+what+".\n'kith queue list --dead' shows the ids.")
	allDead := fs.Bool("all-dead", false, verb+" every dead job")
	want := 1
	for _, arg := range args {
		if arg == "--all-dead" || arg == "-all-dead" {
			want = 0
		}
	}
	path, rest, err := parseCommand(fs, args, want)
	if err != nil {
		return err
	}
	var id int64
	if !*allDead {
		if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil {
			return fmt.Errorf("%q is not a job id: 'kith queue list' shows them", rest[0])
		}
	}
	a, err := openAdmin(ctx, c, path, false)
	if err != nil {
		return err
	}
	defer a.Close()
	var n int64
	err = a.db.InTx(ctx, func(tx *store.Tx) (err error) {
		switch {
		case *allDead && verb == "retry":
			n, err = tx.RetryDeadJobs(ctx, "")
		case *allDead:
			n, err = tx.DropDeadJobs(ctx)
		case verb == "retry":
			n, err = 1, tx.RetryDeadJob(ctx, id)
		default:
			n, err = 1, tx.DropJob(ctx, id)
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		if verb == "retry" {
			return fmt.Errorf("no dead job %d: 'kith queue list --dead' shows them", id)
		}
		return fmt.Errorf("no queued or dead job %d: 'kith queue list' shows them", id)
	}
	if err != nil {
		return err
	}
	past := map[string]string{"retry": "Requeued", "drop": "Dropped"}[verb]
	fmt.Fprintf(c.stdout, "%s %d job(s).\n", past, n)
	return nil
}
