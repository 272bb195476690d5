package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host/store/pgstore"
)

// The environment variables synapse-js reads. Each is the default of one
// flag of the commands that declare it, and nothing else is read: a
// generic SYNAPSE_JS_<FLAG> mapping let unrelated variables change what a
// command did (SYNAPSE_JS_OUT redirected sync's output) and sent one secret
// where another belonged.
const (
	// EnvToken is the end system's token (authConfig.token) for the commands
	// that call a connector, and the token the sandboxes accept.
	EnvToken = "SYNAPSE_JS_TOKEN"
	// EnvPassword is the end system's password (authConfig.password).
	EnvPassword = "SYNAPSE_JS_PASSWORD"
	// EnvAdminToken is a server's admin token: what serve requires for
	// uploads, and what upload and synapses send.
	EnvAdminToken = "SYNAPSE_JS_ADMIN_TOKEN"
	// EnvInvokeToken is a server's invoke token.
	EnvInvokeToken = "SYNAPSE_JS_INVOKE_TOKEN"
	// EnvServer is the server's base URL for upload and synapses.
	EnvServer = "SYNAPSE_JS_SERVER"
	// EnvStore is serve's PostgreSQL store, shared by several hosts.
	EnvStore = "SYNAPSE_JS_STORE"
	// EnvTokenKey is the key that encrypts the OAuth tokens a PostgreSQL
	// store shares; pgstore owns the name, since its errors say it.
	EnvTokenKey = pgstore.KeyEnv
)

// envVar is one variable a command reads, as the default of its flag.
type envVar struct {
	name string // SYNAPSE_JS_...
	flag string // the flag it sets when the flag is not given
	help string // for --help
}

// envAnnotation keys a command's variables in its annotations.
const envAnnotation = "synapse-js/env"

// readEnv declares that cmd reads vars, and lists them in its --help.
func readEnv(cmd *cobra.Command, vars ...envVar) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	var names []string
	if have := cmd.Annotations[envAnnotation]; have != "" {
		names = strings.Split(have, ",")
	}
	var lines []string
	for _, v := range vars {
		names = append(names, v.name+"="+v.flag)
		lines = append(lines, fmt.Sprintf("  %-24s %s (the default of --%s)", v.name, v.help, v.flag))
	}
	cmd.Annotations[envAnnotation] = strings.Join(names, ",")
	section := "\n\nEnvironment:\n"
	if strings.Contains(cmd.Long, section) {
		cmd.Long += "\n" + strings.Join(lines, "\n")
	} else {
		if cmd.Long == "" {
			cmd.Long = cmd.Short
		}
		cmd.Long += section + strings.Join(lines, "\n")
	}
}

// applyEnv sets the flags of cmd's declared variables that were not given
// on the command line.
func (a *App) applyEnv(cmd *cobra.Command) error {
	var pairs []string
	for c := cmd; c != nil; c = c.Parent() { // a group's persistent flags too
		if decl := c.Annotations[envAnnotation]; decl != "" {
			pairs = append(pairs, strings.Split(decl, ",")...)
		}
	}
	sort.Strings(pairs)
	for _, p := range pairs {
		name, flag, _ := strings.Cut(p, "=")
		f := cmd.Flags().Lookup(flag)
		if f == nil || f.Changed {
			continue
		}
		if v := a.Getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				return usageError("%s=%q: %v", name, v, err)
			}
		}
	}
	return nil
}

// envVars lists the variables cmd reads (for tests and docs).
func envVars(cmd *cobra.Command) []string {
	var out []string
	for c := cmd; c != nil; c = c.Parent() {
		if decl := c.Annotations[envAnnotation]; decl != "" {
			for _, p := range strings.Split(decl, ",") {
				name, _, _ := strings.Cut(p, "=")
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}
