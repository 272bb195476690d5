package jsjson

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

var fzKeys = []string{"", "a1", "b2", "c3", "price", "price_c", "price_currency", "o", "id", "name", "0", "42", "cf", "é", "k9", "k10"}

func fzMember(r *rand.Rand) string {
	var parts []string
	perm := r.Perm(len(fzKeys))
	n := r.Intn(8)
	for _, i := range perm[:n] {
		k := fzKeys[i]
		var v string
		switch r.Intn(6) {
		case 0:
			v = fmt.Sprintf("%d.0", r.Intn(9))
		case 1:
			v = `"s"`
		case 2:
			v = `{"value":1.50,"currency":"EUR"}`
		case 3:
			v = `{"currency":"USD","value":null,"x":1}`
		case 4:
			v = `{"value":7}`
		default:
			v = `[1,{"value":2,"currency":"X"}]`
		}
		parts = append(parts, fmt.Sprintf("%q:%s", k, v))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func fzOp(r *rand.Rand) string {
	k := fzKeys[r.Intn(len(fzKeys))]
	switch r.Intn(12) {
	case 0, 1, 2:
		return "flatten(r, 'cf', {value: '', currency: '_currency'});"
	case 3:
		return "flatten(r, 'cf', {currency: '_c', value: ''});"
	case 4:
		return "flatten(r, 'cf');"
	case 5:
		return fmt.Sprintf("r[%q] = 'v' + i;", k)
	case 6:
		return fmt.Sprintf("delete r[%q];", k)
	case 7:
		return fmt.Sprintf("out.push(r[%q], %q in r);", k, k)
	case 8:
		return "out.push(Object.keys(r).join('|'));"
	case 9:
		return fmt.Sprintf("if (r.cf && typeof r.cf === 'object') { const k = %q; const v = r.cf[k]; if (v && typeof v === 'object' && !Array.isArray(v)) { out.push(v.value); %s } }", k,
			[]string{"", "delete v.value;", "v.q = 1;", "v.currency = 'Z';", "r[k + 'x'] = v;", "delete v.currency; v.currency = 'Y';"}[r.Intn(6)])
	case 10:
		return fmt.Sprintf("if (r.cf && typeof r.cf === 'object') delete r.cf[%q];", k)
	default:
		return fmt.Sprintf("r[%q] = r.id;", k)
	}
}

// TestFlattenRandomPages: seeded random pages of flatten, assignments,
// deletions and reads, each held to the loop.
func TestFlattenRandomPages(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 50
	}
	total := 0
	for seed := 0; seed < n; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		nrec := 1 + r.Intn(6)
		var recs []string
		for i := 0; i < nrec; i++ {
			shape := `"id":%d,"name":"n","cf":%s`
			if r.Intn(4) == 0 {
				shape = `"id":%d,"cf":%s,"z":true`
			}
			recs = append(recs, "{"+fmt.Sprintf(shape, i, fzMember(r))+"}")
		}
		src := `{"data":[` + strings.Join(recs, ",") + `]}`
		total += checkRandomFlatten(t, seed, r, src, 5, func() string { return fzOp(r) })
		if t.Failed() {
			break
		}
	}
	if total == 0 {
		t.Error("Flatten never did the work itself")
	}
}

// checkRandomFlatten runs over the page src one to three rounds of up to
// maxOps operations op makes on some of its records, held to the loop by
// checkFlatten, and returns how often Flatten did the work itself.
func checkRandomFlatten(t *testing.T, seed int, r *rand.Rand, src string, maxOps int, op func() string) int {
	t.Helper()
	var sc strings.Builder
	sc.WriteString("const out = [];\n")
	rounds := 1 + r.Intn(3)
	for round := 0; round < rounds; round++ {
		sc.WriteString("x.data.forEach((r, i) => {\n")
		for j := r.Intn(maxOps); j >= 0; j-- {
			fmt.Fprintf(&sc, "if (i %% %d == %d) %s\n", 1+r.Intn(3), r.Intn(2), op())
		}
		sc.WriteString("});\n")
	}
	sc.WriteString("return [out, x.data.map(r => [Object.keys(r), r])];")
	return checkFlatten(t, fmt.Sprintf("seed %d\n%s\n%s\n", seed, src, sc.String()), sc.String(), src)
}

// TestFlattenRandomBigPages: the same on bigger pages whose records share
// a few member orders, with up to 300 keys added.
func TestFlattenRandomBigPages(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 20
	}
	var keys []string
	for i := 0; i < 40; i++ {
		keys = append(keys, fmt.Sprintf("k%d", i))
	}
	keys = append(keys, "", "0", "7", "42", "price", "price_currency", "id", "cf", "é")
	total := 0
	for seed := 0; seed < n; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		nrec := 1 + r.Intn(25)
		// a few member key orders, reused: records of a page repeat
		var orders [][]string
		for i := 0; i < 1+r.Intn(12); i++ {
			perm := r.Perm(len(keys))
			m := r.Intn(30)
			if r.Intn(10) == 0 {
				m = len(keys)
			}
			var o []string
			for _, p := range perm[:m] {
				o = append(o, keys[p])
			}
			orders = append(orders, o)
		}
		var recs []string
		for i := 0; i < nrec; i++ {
			var parts []string
			for _, k := range orders[r.Intn(len(orders))] {
				v := fmt.Sprintf("%d.0", r.Intn(5))
				switch r.Intn(4) {
				case 0:
					v = `{"value":"v","currency":"C"}`
				case 1:
					v = `{"value":1}`
				}
				parts = append(parts, fmt.Sprintf("%q:%s", k, v))
			}
			recs = append(recs, fmt.Sprintf(`{"id":%d,"name":"n","cf":{%s}}`, i, strings.Join(parts, ",")))
		}
		src := `{"data":[` + strings.Join(recs, ",") + `]}`
		total += checkRandomFlatten(t, seed, r, src, 6, func() string {
			k := keys[r.Intn(len(keys))]
			var op string
			switch r.Intn(9) {
			case 0, 1, 2:
				op = "flatten(r, 'cf', {value: '', currency: '_currency'});"
			case 3:
				op = "flatten(r, 'cf');"
			case 4:
				op = fmt.Sprintf("r[%q] = 'v' + i;", k)
			case 5:
				op = fmt.Sprintf("delete r[%q];", k)
			case 6:
				op = fmt.Sprintf("out.push(r[%q], %q in r);", k, k)
			case 7:
				op = "out.push(Object.keys(r).join('|'));"
			default:
				op = fmt.Sprintf("for (let j = 0; j < %d; j++) r['n' + ((j * %d) %% 300)] = 's' + j;", r.Intn(300), 1+r.Intn(7))
			}
			return op
		})
		if t.Failed() {
			break
		}
	}
	if total == 0 {
		t.Error("Flatten never did the work itself")
	}
}
