package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"kith/store"
)

const domainUsage = `Usage:
  kith domain block|unblock [--config FILE] DOMAIN
  kith domain list [--config FILE]
  kith domain purge [--config FILE] [--yes] DOMAIN`

// purgeBatch is how many actors one purge transaction deletes, so a
// running server's writes get their turn between batches.
const purgeBatch = 50

// runDomain blocks, unblocks and lists domains, and purges what kith
// stored from one.
func runDomain(ctx context.Context, c stdio, args []string) error {
	return dispatch(ctx, c, "domain", domainUsage, []subcommand{
		{"block", func(ctx context.Context, c stdio, args []string) error { return runDomainBlock(ctx, c, "block", args) }},
		{"unblock", func(ctx context.Context, c stdio, args []string) error {
			return runDomainBlock(ctx, c, "unblock", args)
		}},
		{"list", runDomainList},
		{"purge", runDomainPurge},
	}, args)
}

func runDomainBlock(ctx context.Context, c stdio, verb string, args []string) error {
	fs := newFlags(c, "domain "+verb, "domain "+verb+` [--config FILE] DOMAIN

block: kith stops talking to DOMAIN and its subdomains: their activities
are dropped, nothing is delivered there, follows with them end. The
stored posts stay; 'kith domain purge' deletes them. A running kith serve
applies the change within 10 seconds.
unblock: lifts a block made here or in the web UI (blocks in the config
file's federation.blocked_domains stay).`)
	a, rest, err := openCommand(ctx, c, fs, args, 1, true)
	if err != nil {
		return err
	}
	defer a.Close()
	domain := strings.ToLower(strings.TrimSpace(rest[0]))
	if verb == "block" {
		if err := a.fed.BlockDomain(ctx, domain); err != nil {
			return friendly(err)
		}
		fmt.Fprintf(c.stdout, "Blocked %s.\n", domain)
		return nil
	}
	if slices.ContainsFunc(a.cfg.Federation.BlockedDomains, func(d string) bool { return strings.EqualFold(d, domain) }) {
		return fmt.Errorf("%s is blocked in the config file (federation.blocked_domains): remove it there", domain)
	}
	if err := a.fed.UnblockDomain(ctx, domain); err != nil {
		return friendly(err)
	}
	fmt.Fprintf(c.stdout, "Unblocked %s.\n", domain)
	return nil
}

func runDomainList(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "domain list", "domain list [--config FILE]\n\nLists blocked domains and where each block comes from.")
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	owner, err := a.db.DomainBlocks(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DOMAIN\tBLOCKED BY")
	for _, d := range a.cfg.Federation.BlockedDomains {
		fmt.Fprintf(tw, "%s\tconfig file\n", d)
	}
	for _, d := range owner {
		fmt.Fprintf(tw, "%s\towner\n", d)
	}
	return tw.Flush()
}

func runDomainPurge(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "domain purge", `domain purge [--config FILE] [--yes] DOMAIN

Deletes everything kith stored from DOMAIN and its subdomains: accounts,
their posts and media rows, follows, likes and notifications. It does not
block the domain ('kith domain block' does) and sends nothing. Without
--yes it only counts what would go.`)
	yes := fs.Bool("yes", false, "delete; without it, only show the counts")
	dryRun := fs.Bool("dry-run", false, "only show the counts, even with --yes (the default without --yes)")
	a, rest, err := openCommand(ctx, c, fs, args, 1, false)
	if err != nil {
		return err
	}
	defer a.Close()
	domain := strings.ToLower(strings.TrimSpace(rest[0]))
	if domain == "" || strings.ContainsAny(domain, "/@ %_") {
		return fmt.Errorf("%q is not a domain name (write example.com)", rest[0])
	}
	if strings.EqualFold(domain, a.cfg.BaseURL().Hostname()) || strings.EqualFold(domain, a.cfg.Domain()) {
		return fmt.Errorf("%s is this instance's own domain", domain)
	}
	counts, err := a.db.CountDomain(ctx, domain)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s: %d accounts, %d posts, %d follows, %d media attachments\n",
		domain, counts.Actors, counts.Posts, counts.Follows, counts.Media)
	if !*yes || *dryRun {
		fmt.Fprintln(c.stdout, "Nothing was deleted (dry run); add --yes to delete them.")
		return nil
	}
	p := progress{c: c, verb: "deleted", what: "accounts with their posts", total: counts.Actors}
	err = inBatches(ctx, a.db, &p, func(tx *store.Tx) (int, error) {
		return tx.PurgeDomainBatch(ctx, domain, purgeBatch)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Purged %s.\n", domain)
	return nil
}
