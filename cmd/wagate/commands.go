package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

// configHelp ends the root command's help: everything else is configured from the environment.
const configHelp = `Configuration is read from the environment: DATABASE_URL, WAGATE_DATA_DIR, LISTEN_ADDR,
METRICS_ADDR, CORS_ALLOWED_ORIGINS, DEFAULT_REGION, MAX_BODY_BYTES, IMPORT_MAX_BYTES, IMPORT_WRITERS, LOG_LEVEL, LOG_FORMAT,
DRAIN_PERIOD, SHUTDOWN_GRACE, JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ORG_CLAIM,
JWT_ROLE_CLAIM, JWT_ROLES, WHATSAPP_LOOKUPS_PER_MINUTE, WHATSAPP_LOOKUP_BURST,
WHATSAPP_LOOKUP_MAX_WAIT, WHATSAPP_CHECK_CACHE_TTL, WHATSAPP_CHECK_CACHE_NEGATIVE_TTL,
WHATSAPP_CALL_TIMEOUT, WHATSAPP_RECONNECT_MAX. See README.md.`

// action is a command's work, given the configuration and a logger once both are known.
type action func(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error

// newCommands builds wagate's command line. The environment is read only by a command that
// acts: --help, version and completion work whatever it holds.
func newCommands(getenv func(string) string) *cobra.Command {
	// act turns an action into a RunE: a configuration error is exit 2 with the variable's
	// name; what fails once the work started is exit 1.
	act := func(do action) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(getenv)
			if err != nil {
				return configError{err}
			}
			err = do(cmd.Context(), cfg, newLogger(cfg, cmd.ErrOrStderr()), cmd.OutOrStdout())
			if err != nil && !errors.As(err, new(usageError)) {
				return failure{err}
			}
			return err
		}
	}
	serveAction := act(func(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
		tuneGC(os.Getenv)
		return serve(ctx, cfg, log, stdout, serveHooks{})
	})

	root := &cobra.Command{
		Use:   "wagate",
		Short: "A WhatsApp contacts gateway",
		Long: "wagate: a WhatsApp contacts gateway. Without a command it serves the HTTP API (wagate serve).\n\n" +
			configHelp,
		Version: binaryDescription(), // its first line is the module version
		Args:    cobra.NoArgs,
		RunE:    serveAction,
		// run prints errors and usage itself, with the exit code's reason.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("{{.Name}} {{.Version}}")

	root.AddCommand(&cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP API (the default command)",
		Long: "Run the HTTP API on LISTEN_ADDR until SIGTERM or an interrupt. It migrates the database first; " +
			"on an empty database it creates organization \"default\" and prints its first admin API key, once.",
		Args: cobra.NoArgs,
		RunE: serveAction,
	})

	root.AddCommand(&cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		Long:  "Apply the database migrations this binary has and the database lacks, and print each one applied.",
		Args:  cobra.NoArgs,
		RunE:  act(migrate),
	})

	var region string
	orgCreate := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an organization; prints its id",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return act(func(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
				if region == "" {
					region = cfg.DefaultRegion
				}
				return createOrg(ctx, cfg, log, args[0], region, stdout)
			})(cmd, args)
		},
	}
	orgCreate.Flags().StringVar(&region, "region", "", "default region for national phone spellings (ISO 3166-1 alpha-2; default DEFAULT_REGION)")
	root.AddCommand(group("org", "Administer organizations", orgCreate))

	var key newKey
	keyCreate := &cobra.Command{
		Use:   "create",
		Short: "Create an API key; prints it on the last line",
		Long:  "Create an API key of organization --org with capabilities --caps (both required); it is printed on the last line, and only then.",
		Args:  cobra.NoArgs,
		RunE: act(func(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
			return createKey(ctx, cfg, log, key, stdout)
		}),
	}
	keyCreate.Flags().StringVar(&key.org, "org", "", "organization name")
	keyCreate.Flags().StringVar(&key.caps, "caps", "", "capabilities, comma-separated: read,write,admin")
	keyCreate.Flags().StringVar(&key.name, "name", "cli", "a name to tell the key apart")
	keyCreate.MarkFlagRequired("org")
	keyCreate.MarkFlagRequired("caps")
	keyCreate.RegisterFlagCompletionFunc("caps", cobra.FixedCompletions(
		[]string{"read", "read,write", "read,write,admin"}, cobra.ShellCompDirectiveNoFileComp))
	root.AddCommand(group("key", "Administer API keys", keyCreate))

	root.AddCommand(newContactsCommand(getenv))

	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and Go version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.OutOrStdout(), "wagate "+cmd.Root().Version)
			return nil
		},
	})
	// Only contacts import takes a file (it says so itself): completion offers none elsewhere.
	walk(root, func(c *cobra.Command) {
		if c.ValidArgsFunction == nil {
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
	})
	return root
}

// walk calls fn on c and every command under it.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// group is a command that only holds subcommands ("org create"). It runs to refuse what is not
// one of them: cobra would print the help and succeed.
func group(name, short string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{
		Use:   name,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())}
			}
			return usageError{cmd.CommandPath() + " needs a command"}
		},
	}
	g.AddCommand(subs...)
	return g
}
