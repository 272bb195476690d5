package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// manifests decodes every document of k8s/*.yaml into its API type,
// refusing unknown fields (a misspelt or misplaced key), and returns them
// by kind.
func manifests(t *testing.T) map[string][]any {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	out := map[string][]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			js, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			var meta struct{ APIVersion, Kind string }
			_ = json.Unmarshal(js, &meta)
			var obj any
			switch meta.APIVersion + " " + meta.Kind {
			case "apps/v1 Deployment":
				obj = &appsv1.Deployment{}
			case "v1 Service":
				obj = &corev1.Service{}
			case "v1 Secret":
				obj = &corev1.Secret{}
			case "autoscaling/v2 HorizontalPodAutoscaler":
				obj = &autoscalingv2.HorizontalPodAutoscaler{}
			default:
				t.Fatalf("%s document %d: unexpected %s %s", f, i+1, meta.APIVersion, meta.Kind)
			}
			dec := json.NewDecoder(bytes.NewReader(js))
			dec.DisallowUnknownFields()
			if err := dec.Decode(obj); err != nil {
				t.Fatalf("%s document %d (%s): %v", f, i+1, meta.Kind, err)
			}
			out[meta.Kind] = append(out[meta.Kind], obj)
		}
	}
	return out
}

func one[T any](t *testing.T, m map[string][]any, kind string) T {
	t.Helper()
	if len(m[kind]) != 1 {
		t.Fatalf("want one %s, have %d", kind, len(m[kind]))
	}
	return m[kind][0].(T)
}

func TestManifests(t *testing.T) {
	m := manifests(t)
	dep := one[*appsv1.Deployment](t, m, "Deployment")
	svc := one[*corev1.Service](t, m, "Service")
	hpa := one[*autoscalingv2.HorizontalPodAutoscaler](t, m, "HorizontalPodAutoscaler")
	sec := one[*corev1.Secret](t, m, "Secret")

	spec := dep.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	for k, v := range dep.Spec.Selector.MatchLabels {
		if dep.Spec.Template.Labels[k] != v || svc.Spec.Selector[k] != v {
			t.Fatalf("label %s=%s: the pod template or the Service selector differs", k, v)
		}
	}
	if len(c.Ports) != 1 {
		t.Fatalf("container ports %v, want one", c.Ports)
	}
	port := c.Ports[0]
	if svc.Spec.Ports[0].TargetPort.String() != port.Name {
		t.Fatalf("Service targets %s, the container's port is %s", svc.Spec.Ports[0].TargetPort.String(), port.Name)
	}
	ann := dep.Spec.Template.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/path"] != "/metrics" || ann["prometheus.io/port"] != fmt.Sprint(port.ContainerPort) {
		t.Fatalf("Prometheus annotations %v do not point at /metrics on port %d", ann, port.ContainerPort)
	}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		want := map[string]string{"readiness": "/readyz", "liveness": "/healthz"}[name]
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != want || p.HTTPGet.Port.String() != port.Name {
			t.Fatalf("%s probe %+v, want GET %s on port %s", name, p, want, port.Name)
		}
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	for _, name := range []string{"SYNAPSE_JS_STORE", "SYNAPSE_JS_TOKEN_KEY", "SYNAPSE_JS_ADMIN_TOKEN", "SYNAPSE_JS_INVOKE_TOKEN"} {
		e, ok := env[name]
		if !ok || e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Fatalf("%s must come from a Secret, got %+v", name, e)
		}
		ref := e.ValueFrom.SecretKeyRef
		if ref.Name != sec.Name {
			t.Fatalf("%s comes from Secret %s, the manifest's is %s", name, ref.Name, sec.Name)
		}
		if _, ok := sec.StringData[ref.Key]; !ok {
			t.Fatalf("%s wants key %s, which the Secret does not have", name, ref.Key)
		}
	}
	psc, csc := spec.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		t.Fatal("the pod must run as non-root without privilege escalation")
	}
	if spec.TerminationGracePeriodSeconds == nil || *spec.TerminationGracePeriodSeconds <= 30 || !slices.Contains(c.Args, "30s") {
		t.Fatal("the termination grace period must outlast --shutdown-grace 30s")
	}
	ref := hpa.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != dep.Name || ref.APIVersion != "apps/v1" {
		t.Fatalf("the HPA scales %+v, not the Deployment %s", ref, dep.Name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 {
		t.Fatal("the HPA must keep at least two hosts")
	}
}

// A manifest with a misplaced key fails to decode: the check is strict.
func TestStrictDecodeCatchesTypos(t *testing.T) {
	js, err := yaml.YAMLToJSON([]byte("apiVersion: apps/v1\nkind: Deployment\nspec:\n  replica: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&appsv1.Deployment{}); err == nil || !strings.Contains(err.Error(), "replica") {
		t.Fatalf("a misspelt field decoded: %v", err)
	}
}

// goBuild returns the package and flags of the `go build` commands of
// text (the -o output left out), which must all agree.
func goBuild(t *testing.T, what, text string) (pkg string, flags []string) {
	t.Helper()
	var cmds []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue // a comment
		}
		if i := strings.Index(l, "go build "); i >= 0 {
			c := l[i+len("go build "):]
			if j := strings.IndexAny(c, "`#"); j >= 0 {
				c = c[:j] // the end of inline code, or a shell comment
			}
			cmds = append(cmds, strings.TrimSpace(c))
		}
	}
	if len(cmds) == 0 {
		t.Fatalf("%s: no go build command", what)
	}
	for n, c := range cmds {
		var p string
		var fl []string
		f := strings.Fields(c)
		for i := 0; i < len(f); i++ {
			switch {
			case f[i] == "-o":
				i++
			case strings.HasPrefix(f[i], "-"):
				fl = append(fl, f[i])
			case p == "":
				p = f[i]
			default:
				t.Fatalf("%s: go build builds %q and %q", what, p, f[i])
			}
		}
		if n > 0 && (p != pkg || !slices.Equal(fl, flags)) {
			t.Fatalf("%s: go build commands differ: %q and %q", what, cmds[0], c)
		}
		pkg, flags = p, fl
	}
	return pkg, flags
}

func TestDockerfileBuildsTheREADMEsBinary(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	docker, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	rp, rf := goBuild(t, "README.md", string(readme))
	dp, df := goBuild(t, "Dockerfile", string(docker))
	if rp != dp || !slices.Equal(rf, df) {
		t.Fatalf("the Dockerfile builds %s %v, the README %s %v", dp, df, rp, rf)
	}
	d := string(docker)
	if !regexp.MustCompile(`(?m)^ENV CGO_ENABLED=0$`).MatchString(d) {
		t.Fatal("the Dockerfile must build a static binary (CGO_ENABLED=0)")
	}
	if !regexp.MustCompile(`(?m)^FROM gcr.io/distroless/static[^ ]*:nonroot$`).MatchString(d) {
		t.Fatal("the final image must be distroless static, nonroot")
	}
	users := regexp.MustCompile(`(?m)^USER (\S+)$`).FindAllStringSubmatch(d, -1)
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1][1], "0") || users[len(users)-1][1] == "root" {
		t.Fatal("the image must run as a non-root USER")
	}
	if _, err := os.Stat(filepath.Join("..", dp)); err != nil {
		t.Fatalf("the package %s does not exist: %v", dp, err)
	}
}
