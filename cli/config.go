package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"kith/config"
	"kith/server/web/themes"
)

// configFlag adds the --config flag every command shares.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "config file (default $KITH_CONFIG, else ./kith.toml if it exists, else the built-in default)")
}

// defaultConfigFile is the file kith init writes and kith serve picks up
// from the current directory.
const defaultConfigFile = "kith.toml"

// configPath picks the config file: the flag, then $KITH_CONFIG, then
// ./kith.toml if it exists. Empty means the built-in default.
func configPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("KITH_CONFIG"); env != "" {
		return env
	}
	if _, err := os.Stat(defaultConfigFile); err == nil {
		return defaultConfigFile
	}
	return ""
}

// loadConfig reads the chosen config file, or returns the built-in default.
func loadConfig(flagValue string) (config.Config, error) {
	path := configPath(flagValue)
	if path == "" {
		return config.Default(), nil
	}
	cfg, err := config.Load(path, themes.CheckNames)
	if errors.Is(err, os.ErrNotExist) {
		return config.Config{}, fmt.Errorf("config file %s does not exist: create it with 'kith init --config %s', or copy config.example.toml", path, path)
	}
	return cfg, err
}

// loadForCheck runs the argument handling that kith config check and kith
// theme check share (group is "config" or "theme", its only verb "check"),
// then loads the config, printing each of its problems on a line.
func loadForCheck(c stdio, group, help string, args []string) (config.Config, error) {
	if len(args) == 0 || (args[0] != "check" && args[0] != "-h" && args[0] != "--help") {
		fmt.Fprintf(c.stderr, "Usage: kith %s check [--config FILE]\n", group)
		return config.Config{}, errUsage
	}
	if args[0] == "check" {
		args = args[1:]
	}
	fs := newFlags(c, group+" check", group+" check [--config FILE]\n\n"+help)
	path := configFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return config.Config{}, err
	}
	cfg, err := loadConfig(*path)
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(c.stderr, e)
		}
		return config.Config{}, fmt.Errorf("%d problem(s) in the config", len(errs))
	}
	return cfg, err
}

func runConfig(_ context.Context, c stdio, args []string) error {
	cfg, err := loadForCheck(c, "config", "Reads the config file and reports every unknown key and bad value with its line,\nthen compiles the theme (see kith theme check).", args)
	if err != nil {
		return err
	}
	css, err := themes.Compile(themes.OptionsFor(cfg))
	if err != nil {
		fmt.Fprintln(c.stderr, err)
		return errors.New("the theme does not compile")
	}
	warnContrast(c, css)
	if cfg.File == "" {
		fmt.Fprintln(c.stdout, "no config file given; the built-in default is valid")
	} else {
		fmt.Fprintf(c.stdout, "%s: ok\n", cfg.File)
	}
	fmt.Fprintf(c.stdout, "url %s, owner @%s@%s, data in %s, tls %s\n",
		cfg.Server.URL, cfg.Owner.Username, cfg.Domain(), cfg.Server.DataDir, cfg.Server.TLS)
	return nil
}
