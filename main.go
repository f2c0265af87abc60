// Command kith runs a single-user fediverse server: one process with its
// own SQLite database, job queue and TLS.
//
// main.go only hands the process's arguments and streams to cli.Run and
// exits with its code; the commands live in package cli.
package main

import (
	"context"
	"os"

	"kith/cli"
	_ "kith/prefault" // maps in bulk what the start touches (prefault.go)
)

func main() {
	os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
