package cli

import (
	"context"
	"fmt"
)

const actorUsage = `Usage:
  kith actor refresh [--config FILE] HANDLE|URL
  kith actor refresh [--config FILE] --all`

// runActor maintains stored remote accounts.
func runActor(ctx context.Context, c stdio, args []string) error {
	return dispatch(ctx, c, "actor", actorUsage, []subcommand{{"refresh", runActorRefresh}}, args)
}

func runActorRefresh(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "actor refresh", `actor refresh [--config FILE] HANDLE|URL | --all

Fetches remote accounts again from their servers (name, avatar, keys,
aliases, where they moved), whatever their age. --all refreshes every
stored remote account, one at a time, and reports those that failed.`)
	all := fs.Bool("all", false, "refresh every stored remote account")
	want := 1
	for _, arg := range args {
		if arg == "--all" || arg == "-all" {
			want = 0
		}
	}
	a, rest, err := openCommand(ctx, c, fs, args, want, true)
	if err != nil {
		return err
	}
	defer a.Close()
	if !*all {
		actor, err := a.fed.RefreshActor(ctx, rest[0])
		if err != nil {
			return friendly(err)
		}
		fmt.Fprintf(c.stdout, "Refreshed @%s (%s).\n", actor.Handle(), actor.URI)
		return nil
	}
	uris, err := a.db.ActorURIs(ctx)
	if err != nil {
		return err
	}
	var remote []string
	for _, u := range uris {
		if !a.fed.URLs().IsLocal(u) {
			remote = append(remote, u)
		}
	}
	p := progress{c: c, verb: "refreshed", what: "accounts", total: len(remote)}
	failed := 0
	for i, u := range remote {
		if _, err := a.fed.RefreshActor(ctx, u); err != nil {
			failed++
			fmt.Fprintf(c.stderr, "%s: %v\n", u, friendly(err))
		}
		if (i+1)%10 == 0 || i+1 == len(remote) {
			p.add((i + 1) - p.done)
		}
	}
	fmt.Fprintf(c.stdout, "Refreshed %d of %d remote accounts.\n", len(remote)-failed, len(remote))
	return nil
}
