package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/platform"
	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
	"github.com/synapsejs/synapse-js/scripts"
)

type demoFlags struct {
	engineFlags
	script  string
	records int
	seed    int64
	output  string
}

func (a *App) demoCmd() *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the Pipedrive connector through its whole lifecycle against a local sandbox",
		Long: `demo needs no account and no flags. It starts the Pipedrive sandbox on a free
loopback port and drives the Pipedrive connector through every step the
platform takes: synapse_info, test, describe, a sync of every entity (paged
exactly as the platform pages), get_by_id, create, update, an incremental
sync that picks up those changes, and delete. It prints what each step did
and how long it took, and exits 1 if a step failed.

The connector is the copy of scripts/pipedrive.js built into the binary;
--script runs another file (your edited copy, say) instead.`,
		Example: `  synapse-js demo
  go run ./cmd/synapse-js demo --records 20000
  synapse-js demo --script my-pipedrive.js --output json`,
		Args:              cobra.NoArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.demo(cmd.Context(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.script, "script", "", "connector file to run instead of the built-in pipedrive.js")
	fl.IntVar(&f.records, "records", 2000, "persons in the sandbox (the other entities scale with it)")
	fl.Int64Var(&f.seed, "seed", 1, "random seed for the sandbox's data")
	outputFlag(cmd, fl, &f.output)
	fl.DurationVar(&f.timeout, "timeout", host.DefaultTimeout, "each call's deadline")
	_ = cmd.MarkFlagFilename("script", "js", "ts", "mjs", "cjs")
	_ = cmd.RegisterFlagCompletionFunc("records", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("seed", cobra.NoFileCompletions)
	return cmd
}

// demoStep is one line of the report.
type demoStep struct {
	// Step names the step.
	Step string `json:"step"`
	// OK is set when the step succeeded.
	OK bool `json:"ok"`
	// Result is what the step found, or its error.
	Result string `json:"result"`
	// Millis is how long the step took.
	Millis int64 `json:"ms"`
}

// demoReport is the whole demo, as --output json prints it.
type demoReport struct {
	// Sandbox is the sandbox's base URL.
	Sandbox string `json:"sandbox"`
	// Script is the --script path, or says the built-in copy ran.
	Script string `json:"script"`
	// OK is set when every step succeeded.
	OK bool `json:"ok"`
	// Millis is how long the whole demo took.
	Millis int64 `json:"ms"`
	// Steps are the steps that ran, in order.
	Steps []demoStep `json:"steps"`
}

// demo runs the lifecycle; each step is timed and reported as it ends.
type demo struct {
	ctx     context.Context
	out     io.Writer
	text    bool
	report  demoReport
	failed  bool
	timeout time.Duration
	paint   painter
}

// step runs fn unless an earlier step failed, and reports it.
func (d *demo) step(name string, fn func() (string, error)) {
	if d.failed {
		return
	}
	start := time.Now()
	res, err := fn()
	s := demoStep{Step: name, OK: err == nil, Result: res, Millis: time.Since(start).Milliseconds()}
	if err != nil {
		s.Result = err.Error()
		d.failed = true
	}
	d.report.Steps = append(d.report.Steps, s)
	if d.text {
		fmt.Fprintf(d.out, "  %s %-26s %6s  %s\n", d.paint.mark(s.OK), s.Step, fmtDur(time.Since(start)), s.Result)
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func (a *App) demo(ctx context.Context, f *demoFlags) error {
	if err := checkOutput(f.output); err != nil {
		return err
	}
	if f.records < 1 {
		return usageError("--records must be at least 1")
	}
	name, src := "pipedrive.js", scripts.Pipedrive()
	origin := "the copy built into synapse-js"
	if f.script != "" {
		b, err := os.ReadFile(f.script)
		if err != nil {
			return usageError("--script: %v", err)
		}
		name, src, origin = f.script, b, f.script
	}
	start := time.Now()
	d := &demo{ctx: ctx, out: a.Stdout, text: f.output == "text", timeout: f.timeout, paint: a.painter()}
	d.report.Script = origin
	if d.text {
		fmt.Fprintf(a.Stdout, "synapse-js demo: the Pipedrive connector's lifecycle against a local Pipedrive sandbox\n\n")
	}

	var sb *pipedrive.Sandbox
	var base string
	stop := func() {}
	defer func() { stop() }()
	d.step("start the sandbox", func() (string, error) {
		sb = pipedrive.New(pipedrive.Options{Records: f.records, Seed: f.seed})
		var err error
		base, stop, err = sb.Start(ctx, "127.0.0.1:0")
		if err != nil {
			stop = func() {}
			return "", err
		}
		d.report.Sandbox = base
		return fmt.Sprintf("%s: %d persons, %d organizations, %d deals, %d activities, %d products, %d users", base,
			sb.Count("person"), sb.Count("organization"), sb.Count("deal"), sb.Count("activity"), sb.Count("product"), sb.Count("user")), nil
	})
	// The connection a user would pass with --endpoint and --token; no read
	// skew, so the incremental sync sees the demo's own writes at once.
	conn, _ := json.Marshal(map[string]any{
		"name":       "demo",
		"authConfig": map[string]any{"endpoint": base, "token": pipedrive.DefaultToken},
		"metaConfig": map[string]any{"readSkewSeconds": 0},
	})
	outs := a.redacted(secretsOf(conn))
	d.out = outs.out
	// A quiet engine: the demo's report is the output.
	if a.logLevel == "info" {
		a.log = a.log.Level(zerolog.WarnLevel)
	}
	e := a.newEngine(f.engineFlags)
	var c *host.Connector
	d.step("load", func() (string, error) {
		var err error
		c, err = e.Load(ctx, name, src)
		if err != nil {
			return "", err
		}
		if f.script != "" {
			return fmt.Sprintf("%s: %s", name, platform.Plural(int64(len(c.Methods())), "export")), nil
		}
		return fmt.Sprintf("%s (%s): %s", name, origin, platform.Plural(int64(len(c.Methods())), "export")), nil
	})
	if c != nil {
		defer c.Close()
	}
	call := func(method string, req any) (json.RawMessage, error) {
		var body json.RawMessage
		if req != nil {
			b, err := json.Marshal(req)
			if err != nil {
				return nil, err
			}
			body = b
		}
		resp := c.Call(ctx, method, conn, body, host.CallOptions{Timeout: f.timeout})
		if resp.Err != nil {
			return nil, &platform.CallError{Method: method, Err: resp.Err}
		}
		return resp.Body, nil
	}
	d.step("synapse_info", func() (string, error) {
		body, err := call("synapse_info", nil)
		if err != nil {
			return "", err
		}
		var info struct {
			Name     string `json:"name"`
			Metadata struct {
				DisplayName string `json:"displayName"`
			} `json:"metadata"`
			SupportedAuthTypes []struct {
				AuthType string `json:"authType"`
			} `json:"supportedAuthTypes"`
			Capabilities []string `json:"capabilities"`
		}
		if err := json.Unmarshal(body, &info); err != nil {
			return "", err
		}
		var auths []string
		for _, t := range info.SupportedAuthTypes {
			auths = append(auths, t.AuthType)
		}
		return fmt.Sprintf("%s, auth %s; %s", info.Metadata.DisplayName, strings.Join(auths, "/"), strings.Join(info.Capabilities, ", ")), nil
	})
	d.step("test", func() (string, error) {
		if _, err := call("test", nil); err != nil {
			return "", err
		}
		return "the sandbox accepted the API token", nil
	})
	var schemas []platform.Schema
	d.step("describe", func() (string, error) {
		body, err := call("describe", map[string]any{"entities": []string{}})
		if err != nil {
			return "", err
		}
		var raws []json.RawMessage
		if err := json.Unmarshal(body, &raws); err != nil {
			return "", err
		}
		var parts []string
		for _, r := range raws {
			var s platform.Schema
			if err := json.Unmarshal(r, &s); err != nil {
				return "", err
			}
			s.Raw = r
			schemas = append(schemas, s)
			parts = append(parts, fmt.Sprintf("%s (%d)", s.APIName, len(s.Attributes)))
		}
		return fmt.Sprintf("%s, fields: %s", platform.Plural(int64(len(schemas)), "entity"), strings.Join(parts, ", ")), nil
	})
	var person *platform.Schema
	var personRun *demoRun
	var firstID string
	for i := range schemas {
		s := &schemas[i]
		if s.APIName == "person" {
			person = s
		}
		d.step("sync "+s.APIName, func() (string, error) {
			r, sum, err := d.sync(c, conn, s, nil)
			if err != nil {
				return "", err
			}
			if s.APIName == "person" {
				personRun = r
				firstID = r.firstID
			}
			res := fmt.Sprintf("%s in %s, %s", platform.Plural(sum.Records, "record"), platform.Plural(sum.Pages, "page"), rate(sum.Records, sum.Took))
			if r.deleted > 0 {
				res += fmt.Sprintf(", %d of them deleted", r.deleted)
			}
			if n := sb.Count(s.APIName); n != int(sum.Records-r.deleted) {
				res += fmt.Sprintf(" (the sandbox has %d live)", n)
			}
			return res, nil
		})
	}
	if !d.failed && (person == nil || personRun == nil) {
		d.step("person", func() (string, error) { return "", errors.New("describe listed no person entity") })
	}
	crud := func(method string, rec map[string]any) (string, error) {
		body, err := call(method, map[string]any{"entity": person.Raw, "data": []any{rec}})
		if err != nil {
			return "", err
		}
		var res []struct {
			Success bool     `json:"success"`
			Errors  []string `json:"errors"`
			ID      string   `json:"id"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			return "", err
		}
		if len(res) != 1 || !res[0].Success {
			return "", fmt.Errorf("%s failed: %s", method, body)
		}
		return res[0].ID, nil
	}
	d.step("get_by_id person", func() (string, error) {
		body, err := call("get_by_id", map[string]any{"entity": person.Raw, "entityWithMappedFields": person.Raw,
			"data": []any{map[string]any{"id": firstID, "values": map[string]any{}}}})
		if err != nil {
			return "", err
		}
		var recs []struct {
			ID     string         `json:"id"`
			Values map[string]any `json:"values"`
		}
		if err := json.Unmarshal(body, &recs); err != nil {
			return "", err
		}
		if len(recs) != 1 {
			return "", fmt.Errorf("asked for id %s, got %d records", firstID, len(recs))
		}
		return fmt.Sprintf("id %s: %q", recs[0].ID, fmt.Sprint(recs[0].Values["name"])), nil
	})
	var newID string
	d.step("create person", func() (string, error) {
		id, err := crud("create", map[string]any{"syncariEntityId": "demo-1", "values": map[string]any{"name": "Ada Lovelace"}})
		newID = id
		return fmt.Sprintf("id %s: %q", id, "Ada Lovelace"), err
	})
	d.step("update person", func() (string, error) {
		id, err := crud("update", map[string]any{"id": newID, "syncariEntityId": "demo-1", "values": map[string]any{"name": "Ada King, Countess of Lovelace"}})
		return fmt.Sprintf("id %s: renamed %q", id, "Ada King, Countess of Lovelace"), err
	})
	d.step("sync person (incremental)", func() (string, error) {
		from := personRun.State().HighWater
		r, sum, err := d.sync(c, conn, person, personRun.Sync)
		if err != nil {
			return "", err
		}
		since := "the start"
		if from != nil {
			since = time.UnixMilli(from.LastModified).UTC().Format("2006-01-02 15:04:05")
		}
		res := fmt.Sprintf("%d changed since %s (%s read)", sum.Records, since, platform.Plural(sum.Pages, "page"))
		if len(r.ids) > 0 {
			res += ": id " + strings.Join(r.ids, ", ")
		}
		if !strings.Contains(strings.Join(r.ids, ","), newID) {
			return res, fmt.Errorf("%s; want the record just written (id %s)", res, newID)
		}
		return res, nil
	})
	d.step("delete person", func() (string, error) {
		id, err := crud("delete", map[string]any{"id": newID, "syncariEntityId": "demo-1", "values": map[string]any{}})
		return fmt.Sprintf("id %s deleted", id), err
	})

	d.report.OK = !d.failed
	d.report.Millis = time.Since(start).Milliseconds()
	if d.text {
		if d.failed {
			fmt.Fprintf(d.out, "\nA step failed after %s.\n", fmtDur(time.Since(start)))
		} else {
			// The sandbox's token is public, so the hint goes out unredacted.
			fmt.Fprintf(a.Stdout, `
All %d steps passed in %s. Next:
  synapse-js sandbox pipedrive      # keep a sandbox running on 127.0.0.1:8089
  synapse-js check scripts/pipedrive.js --endpoint http://127.0.0.1:8089/ --token %s --write
  synapse-js init myconnector       # start your own connector
`, len(d.report.Steps), fmtDur(time.Since(start)), pipedrive.DefaultToken)
		}
	} else {
		b, _ := json.MarshalIndent(d.report, "", "  ")
		d.out.Write(append(b, '\n'))
	}
	if ctx.Err() != nil {
		return &ExitError{Code: 130, Err: errors.New("interrupted")}
	}
	if d.failed {
		return &ExitError{Code: 1}
	}
	return nil
}

// rate formats records per second.
func rate(n int64, d time.Duration) string {
	if d <= 0 {
		d = time.Millisecond
	}
	r := float64(n) / d.Seconds()
	if r >= 1000 {
		return fmt.Sprintf("%.1fk rec/s", r/1000)
	}
	return fmt.Sprintf("%.0f rec/s", r)
}

// demoRun is a finished demo sync: its state (for the next, incremental
// one) and a few of the ids it wrote.
type demoRun struct {
	*platform.Sync
	ids     []string
	firstID string
	deleted int64 // records that came as deleted: true
}

// sync runs the platform's paging for one entity, writing nowhere and
// keeping the ids written. With prev it continues prev's state: an
// incremental sync from its high-water mark.
func (d *demo) sync(c *host.Connector, conn json.RawMessage, s *platform.Schema, prev *platform.Sync) (*demoRun, platform.Summary, error) {
	r := &platform.Sync{Connector: c, Connection: conn, Schema: s.Raw, Timeout: d.timeout, Until: time.Now().UnixMilli()}
	_ = r.LoadState("", c.Name(), s.APIName, 0)
	if prev != nil {
		r.Continue(prev.State())
	}
	var ids []string
	var deleted int64
	r.OnPage = func(recs []platform.Record) {
		for i := range recs {
			// Records are written in the SDK's field order: deleted
			// comes before values, so this cannot match inside them.
			raw := recs[i].Raw
			if v := bytes.Index(raw, []byte(`"values":`)); v > 0 && bytes.Contains(raw[:v], []byte(`"deleted":true`)) {
				deleted++
			}
			if recs[i].HasID && len(ids) <= 5 {
				ids = append(ids, recs[i].ID())
			}
		}
	}
	sum, err := r.Run(d.ctx, platform.NewOutput(io.Discard))
	dr := &demoRun{Sync: r, deleted: deleted}
	if len(ids) > 0 {
		dr.firstID = ids[0]
	}
	if sum.Records <= 5 {
		dr.ids = ids
	}
	return dr, sum, err
}
