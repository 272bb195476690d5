package scripts_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/synapsejs/synapse-js/sandbox/pipedrive"
)

// openAPIDoc is one of Pipedrive's OpenAPI definitions, decoded.
type openAPIDoc map[string]any

func loadOpenAPI(t *testing.T, file string) openAPIDoc {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "pipedrive-openapi", file))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return doc
}

func (d openAPIDoc) resolve(node any) map[string]any {
	m, _ := node.(map[string]any)
	for i := 0; m != nil && i < 32; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = map[string]any(d)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cm, _ := cur.(map[string]any)
			cur = cm[part]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

// bodyKeys are the keys the JSON request body of method on path takes.
func (d openAPIDoc) bodyKeys(t *testing.T, path, method string) map[string]bool {
	t.Helper()
	paths, _ := d["paths"].(map[string]any)
	op := d.resolve(d.resolve(paths[path])[method])
	rb := d.resolve(op["requestBody"])
	if rb == nil {
		t.Fatalf("%s %s has no request body", method, path)
	}
	sch := d.resolve(d.resolve(rb["content"].(map[string]any)["application/json"])["schema"])
	out := map[string]bool{}
	var walk func(s map[string]any)
	walk = func(s map[string]any) {
		for _, sub := range asAnyList(s["allOf"]) {
			walk(d.resolve(sub))
		}
		for k := range asMap(s["properties"]) {
			out[k] = true
		}
	}
	walk(sch)
	return out
}

func asAnyList(v any) []any      { l, _ := v.([]any); return l }
func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestWritableMatchesOpenAPI: describe marks a built-in field updateable
// exactly when Pipedrive's PATCH (or v1 PUT) body takes it, and
// initializable when its POST body does, for every entity the connector
// writes.
func TestWritableMatchesOpenAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 2.8 MB of YAML")
	}
	v1, v2 := loadOpenAPI(t, "openapi-v1.yaml"), loadOpenAPI(t, "openapi-v2.yaml")
	e := newEnv(t, pipedrive.Options{Records: 20})
	schemas := decode[[]Schema](t, e.call("describe", e.connection(nil), map[string]any{"entities": []string{}}))
	byName := map[string]Schema{}
	for _, s := range schemas {
		byName[s.APIName] = s
	}
	for _, c := range []struct {
		entity           string
		doc              openAPIDoc
		create, update   string // paths
		createM, updateM string
	}{
		{"person", v2, "/persons", "/persons/{id}", "post", "patch"},
		{"organization", v2, "/organizations", "/organizations/{id}", "post", "patch"},
		{"deal", v2, "/deals", "/deals/{id}", "post", "patch"},
		{"activity", v2, "/activities", "/activities/{id}", "post", "patch"},
		{"product", v2, "/products", "/products/{id}", "post", "patch"},
		{"pipeline", v2, "/pipelines", "/pipelines/{id}", "post", "patch"},
		{"stage", v2, "/stages", "/stages/{id}", "post", "patch"},
		{"deal_product", v2, "/deals/{id}/products", "/deals/{id}/products/{product_attachment_id}", "post", "patch"},
		{"note", v1, "/notes", "/notes/{id}", "post", "put"},
		{"lead", v1, "/leads", "/leads/{id}", "post", "patch"},
		{"filter", v1, "/filters", "/filters/{id}", "post", "put"},
	} {
		s, ok := byName[c.entity]
		if !ok {
			t.Fatalf("describe has no %s", c.entity)
		}
		create := c.doc.bodyKeys(t, c.create, c.createM)
		update := c.doc.bodyKeys(t, c.update, c.updateM)
		checked := 0
		for _, a := range s.Attributes {
			if a.Custom || strings.HasSuffix(a.APIName, "_currency") {
				continue
			}
			checked++
			if a.Updateable != update[a.APIName] {
				t.Errorf("%s.%s: updateable %v, but %s %s takes it: %v (it takes %v)", c.entity, a.APIName, a.Updateable,
					strings.ToUpper(c.updateM), c.update, update[a.APIName], keysOf(update))
			}
			if a.Initializable != create[a.APIName] {
				t.Errorf("%s.%s: initializable %v, but %s %s takes it: %v", c.entity, a.APIName, a.Initializable,
					strings.ToUpper(c.createM), c.create, create[a.APIName])
			}
		}
		if checked < 5 {
			t.Errorf("%s: only %d attributes checked", c.entity, checked)
		}
	}
}
