package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"kith/config"
	"kith/server/web/themes"
)

func runTheme(_ context.Context, c stdio, args []string) error {
	cfg, err := loadForCheck(c, "theme", "Compiles the theme the config file chooses ([theme] name, variables and\ncustom_scss) and reports the first error as file:line:col: message.", args)
	if err != nil {
		return err
	}
	css, err := themes.Compile(themes.OptionsFor(cfg))
	if err != nil {
		var te *themes.Error
		if errors.As(err, &te) {
			fmt.Fprintln(c.stderr, te)
			return errors.New("the theme does not compile")
		}
		return err
	}
	fmt.Fprintf(c.stdout, "ok: %s, %d bytes of CSS\n", themeLabel(cfg), len(css))
	warnContrast(c, css)
	return nil
}

// warnContrast prints a warning for each pair of theme colours below
// WCAG AA contrast, naming the variables to change. A warning does not
// fail the check: the theme works, it is only hard to read.
func warnContrast(c stdio, css string) {
	for _, issue := range themes.CheckContrast(css) {
		fmt.Fprintf(c.stderr, "warning: %s; change theme.variables.%s or %s\n", issue,
			strings.TrimPrefix(issue.Fg, "--"), strings.TrimPrefix(issue.Bg, "--"))
	}
}

// themeLabel says which theme was compiled, in the config's terms.
func themeLabel(cfg config.Config) string {
	opts := themes.OptionsFor(cfg)
	switch {
	case opts.Custom != "":
		return "custom stylesheet " + opts.Custom
	case opts.Light != "":
		return fmt.Sprintf("theme %q with %q for a light preference", opts.Name, opts.Light)
	}
	return fmt.Sprintf("theme %q", opts.Name)
}
