package main

import (
	"context"
	"errors"
	"fmt"

	"kith/config"
	"kith/themes"
)

func runTheme(_ context.Context, c cli, args []string) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "-h" && args[0] != "--help") {
		fmt.Fprintln(c.stderr, "Usage: kith theme check [--config FILE]")
		return errUsage
	}
	if args[0] == "check" {
		args = args[1:]
	}
	fs := newFlags(c, "theme check", "theme check [--config FILE]\n\nCompiles the theme the config file chooses ([theme] name, variables and\ncustom_scss) and reports the first error as file:line:col: message.")
	path := configFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Fprintln(c.stderr, e)
			}
			return fmt.Errorf("%d problem(s) in the config", len(errs))
		}
		return err
	}
	css, err := themes.Compile(cfg.ThemeOptions())
	if err != nil {
		var te *themes.Error
		if errors.As(err, &te) {
			fmt.Fprintln(c.stderr, te)
			return errors.New("the theme does not compile")
		}
		return err
	}
	fmt.Fprintf(c.stdout, "ok: %s, %d bytes of CSS\n", themeLabel(cfg), len(css))
	return nil
}

// themeLabel says which theme was compiled, in the config's terms.
func themeLabel(cfg config.Config) string {
	opts := cfg.ThemeOptions()
	switch {
	case opts.Custom != "":
		return "custom stylesheet " + opts.Custom
	case opts.Light != "":
		return fmt.Sprintf("theme %q with %q for a light preference", opts.Name, opts.Light)
	}
	return fmt.Sprintf("theme %q", opts.Name)
}
