package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"kith/media"
	"kith/store"
)

const emojiUsage = `Usage:
  kith emoji add [--category NAME] [--config FILE] NAME FILE
  kith emoji import [--category NAME] [--overwrite] [--config FILE] ARCHIVE
  kith emoji list [--config FILE]
  kith emoji remove [--config FILE] NAME`

// runEmoji manages the owner's custom emoji, the twin of the settings
// page. It works while kith serve runs. When the profile uses an emoji
// that changed, the actor's Update is queued for followers.
func runEmoji(ctx context.Context, c stdio, args []string) error {
	return dispatch(ctx, c, "emoji", emojiUsage, []subcommand{
		{"add", runEmojiAdd},
		{"import", runEmojiImport},
		{"list", runEmojiList},
		{"remove", runEmojiRemove},
	}, args)
}

func runEmojiAdd(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "emoji add", `emoji add [--category NAME] [--config FILE] NAME FILE

Adds the image FILE (PNG, GIF, JPEG or WebP, at most 256 KiB) as the
custom emoji :NAME:, or replaces the image of :NAME:. NAME is two or more
letters, digits or underscores. The owner's posts, name and bio then show
it, and other servers receive it with them.`)
	category := fs.String("category", "", "the category apps group it under")
	a, rest, err := openCommand(ctx, c, fs, args, 2, true)
	if err != nil {
		return err
	}
	defer a.Close()
	data, err := readCapped(rest[1], media.MaxEmojiBytes)
	if err != nil {
		return err
	}
	e, err := media.AddEmoji(ctx, a.db, a.files, rest[0], *category, data)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Added :%s: (%s).\n", e.Shortcode, e.ContentType)
	return a.fed.EmojiChanged(ctx, e.Shortcode)
}

// readCapped reads a file of at most max bytes.
func readCapped(name string, max int64) ([]byte, error) {
	info, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, over %d: %w", name, info.Size(), max, media.ErrTooLarge)
	}
	return os.ReadFile(name)
}

func runEmojiImport(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "emoji import", `emoji import [--category NAME] [--overwrite] [--config FILE] ARCHIVE

Adds every PNG and GIF file of a tar.gz archive as a custom emoji named
after the file (blobcat.png becomes :blobcat:), as Mastodon's 'tootctl
emoji import' reads emoji packs. Other files are skipped, each with why.`)
	category := fs.String("category", "", "the category of the imported emoji")
	overwrite := fs.Bool("overwrite", false, "replace the image of emoji already there (kept by default)")
	a, rest, err := openCommand(ctx, c, fs, args, 1, true)
	if err != nil {
		return err
	}
	defer a.Close()
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := media.ImportEmoji(ctx, a.db, a.files, f, *category, *overwrite)
	for _, s := range res.Skipped {
		fmt.Fprintf(c.stderr, "skipped %s: %s\n", s.Name, s.Reason)
	}
	fmt.Fprintf(c.stdout, "Imported %d emoji, skipped %d.\n", len(res.Added), len(res.Skipped))
	return errors.Join(err, a.fed.EmojiChanged(ctx, res.Added...))
}

func runEmojiList(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "emoji list", "emoji list [--config FILE]\n\nLists the owner's custom emoji.")
	a, _, err := openCommand(ctx, c, fs, args, 0, false)
	if err != nil {
		return err
	}
	defer a.Close()
	list, err := a.db.CustomEmojis(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SHORTCODE\tCATEGORY\tTYPE\tURL")
	for _, e := range list {
		fmt.Fprintf(tw, ":%s:\t%s\t%s\t%s/media/%s\n", e.Shortcode, e.Category, e.ContentType, a.cfg.Server.URL, e.Path)
	}
	return tw.Flush()
}

func runEmojiRemove(ctx context.Context, c stdio, args []string) error {
	fs := newFlags(c, "emoji remove", "emoji remove [--config FILE] NAME\n\nRemoves the custom emoji :NAME: and its image. Posts that used it\nshow its text, :NAME:, from then on.")
	a, rest, err := openCommand(ctx, c, fs, args, 1, true)
	if err != nil {
		return err
	}
	defer a.Close()
	err = media.RemoveEmoji(ctx, a.db, a.files, rest[0])
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("there is no emoji :%s:", rest[0])
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Removed :%s:.\n", rest[0])
	return a.fed.EmojiChanged(ctx, rest[0])
}
