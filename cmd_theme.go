package main

import (
	"context"
	"errors"
	"fmt"

	"kith/config"
	"kith/themes"
)

func runTheme(_ context.Context, c cli, args []string) error {
	cfg, err := loadForCheck(c, "theme", "Compiles the theme the config file chooses ([theme] name, variables and\ncustom_scss) and reports the first error as file:line:col: message.", args)
	if err != nil {
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
