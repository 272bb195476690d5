package pipedrive

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const errorInfo = "Please check developers.pipedrive.com for more information about Pipedrive API."

// principal is who a request authenticated as.
type principal struct {
	user  int64
	oauth bool
	key   string // rate-limit bucket
}

// request is one authenticated API call being routed.
type request struct {
	r   *http.Request
	q   url.Values
	who principal
}

// reply is a handler's answer; serveHTTP adds the headers and writes it.
type reply struct {
	status int
	body   []byte
	cost   int     // daily-budget tokens
	buf    *[]byte // pooled buffer backing body, returned after writing
	allow  string  // Allow header for 405
}

func (s *Sandbox) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/_sandbox/") {
		s.serveAdmin(w, r)
		return
	}
	h := w.Header()
	h.Set("x-correlation-id", correlationID())
	if f, ok := s.faults.take(p); ok {
		if status, handled := s.applyFault(w, r, f); handled {
			s.stats.record(p, status, true)
			return
		}
	}
	if strings.HasPrefix(p, "/oauth/") {
		status := s.serveOAuth(w, r)
		s.stats.record(p, status, false)
		return
	}
	q := r.URL.Query()
	who, rep, ok := s.authenticate(r, q)
	if ok {
		rep = s.route(&request{r: r, q: q, who: who}, p)
	}
	s.setRateHeaders(h, who, rep.cost)
	s.write(w, rep)
	s.stats.record(p, rep.status, false)
}

func (s *Sandbox) write(w http.ResponseWriter, rep reply) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	if rep.allow != "" {
		h.Set("Allow", rep.allow)
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
	if rep.buf != nil {
		*rep.buf = rep.body[:0]
		s.bufs.Put(rep.buf)
	}
}

// authenticate accepts, in this order of precedence, the x-api-token header,
// an Authorization: Bearer access token issued by /oauth/token, and the
// api_token query parameter.
func (s *Sandbox) authenticate(r *http.Request, q url.Values) (principal, reply, bool) {
	if t := r.Header.Get("x-api-token"); t != "" {
		return s.checkAPIToken(t)
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		tok := strings.TrimSpace(a[7:])
		if uid, ok := s.oauth.check(tok, s.now()); ok {
			return principal{user: uid, oauth: true, key: tok}, reply{}, true
		}
		return principal{key: "anonymous"}, reply{status: 401,
			body: []byte(`{"success":false,"error":"Invalid token: access token is invalid","errorCode":401}`)}, false
	}
	if t := q.Get("api_token"); t != "" {
		return s.checkAPIToken(t)
	}
	return principal{key: "anonymous"}, unauthorized(), false
}

func (s *Sandbox) checkAPIToken(t string) (principal, reply, bool) {
	if t == s.opts.Token {
		return principal{user: 1, key: t}, reply{}, true
	}
	return principal{key: "anonymous"}, unauthorized(), false
}

func unauthorized() reply {
	return reply{status: 401, body: []byte(`{"success":false,"error":"unauthorized access","errorCode":401,"error_info":"` + errorInfo + `"}`)}
}

// route dispatches an authenticated call. v2 answers only under /api/v2/;
// v1 under both /v1/ and /api/v1/.
func (s *Sandbox) route(rq *request, p string) reply {
	p = strings.TrimSuffix(p, "/")
	switch {
	case strings.HasPrefix(p, "/api/v2/"):
		return s.routeV2(rq, strings.Split(p[len("/api/v2/"):], "/"))
	case strings.HasPrefix(p, "/api/v1/"):
		return s.routeV1(rq, strings.Split(p[len("/api/v1/"):], "/"))
	case strings.HasPrefix(p, "/v1/"):
		return s.routeV1(rq, strings.Split(p[len("/v1/"):], "/"))
	}
	return notFound()
}

func (s *Sandbox) routeV2(rq *request, segs []string) reply {
	m := rq.r.Method
	if rep, ok := s.routeObjV2(rq, segs); ok {
		return rep
	}
	if k, ok := kindByName(segs[0]); ok && segs[0] == entitySpecs[k].plural {
		switch {
		case len(segs) == 1:
			switch m {
			case "GET":
				return s.listV2(rq, k, false)
			case "POST":
				return s.createV2(rq, k)
			}
			return methodNotAllowed("GET, POST")
		case len(segs) == 2 && segs[1] == "archived" && k == kindDeal:
			if m != "GET" {
				return methodNotAllowed("GET")
			}
			return s.listV2(rq, k, true)
		case len(segs) == 2 && segs[1] == "search" && entitySpecs[k].searchFields != nil:
			if m != "GET" {
				return methodNotAllowed("GET")
			}
			return s.searchV2(rq, k)
		case len(segs) == 2:
			id, ok := parseID(segs[1])
			if !ok {
				return apiError(400, "Validation failed: id: Parameter 'id' must be an integer")
			}
			switch m {
			case "GET":
				return s.getV2(rq, k, id)
			case "PATCH":
				return s.updateV2(rq, k, id)
			case "DELETE":
				return s.deleteV2(k, id)
			}
			return methodNotAllowed("GET, PATCH, DELETE")
		}
		return notFound()
	}
	if k, ok := kindByFieldsPath(segs[0]); ok {
		if m != "GET" {
			return methodNotAllowed("GET")
		}
		switch len(segs) {
		case 1:
			return s.fieldsV2(rq, k)
		case 2:
			d := s.reg.byKey[k][segs[1]]
			if d == nil {
				return apiError(404, "Field not found")
			}
			return s.okRaw(200, d.v2JSON, 1)
		}
	}
	return notFound()
}

func (s *Sandbox) routeV1(rq *request, segs []string) reply {
	if segs[0] == "users" {
		return s.usersRoute(rq, segs[1:])
	}
	if rep, ok := s.routeObjV1(rq, segs); ok {
		return rep
	}
	m := rq.r.Method
	if k, ok := kindByFieldsPath(segs[0]); ok {
		if m != "GET" {
			return methodNotAllowed("GET")
		}
		switch len(segs) {
		case 1:
			return s.fieldsV1(rq, k)
		case 2:
			id, ok := parseID(segs[1])
			if !ok {
				return apiError(400, "Validation failed: id: Parameter 'id' must be an integer")
			}
			for _, d := range s.reg.fields[k] {
				if d.id == id {
					return s.okRaw(200, d.v1JSON, 2)
				}
			}
			return apiError(404, "Field not found")
		}
		return notFound()
	}
	if k, ok := kindByName(segs[0]); ok && segs[0] == entitySpecs[k].plural {
		if m != "GET" {
			return methodNotAllowed("GET")
		}
		switch len(segs) {
		case 1:
			return s.listV1(rq, k)
		case 2:
			id, ok := parseID(segs[1])
			if !ok {
				return apiError(400, "Validation failed: id: Parameter 'id' must be an integer")
			}
			return s.getV1(k, id)
		}
	}
	return notFound()
}

// ---- reply builders ----

// apiError is Pipedrive's generic error envelope.
func apiError(status int, msg string) reply {
	b, _ := json.Marshal(msg)
	body := make([]byte, 0, len(b)+140)
	body = append(body, `{"success":false,"error":`...)
	body = append(body, b...)
	body = append(body, `,"error_info":"`+errorInfo+`","data":null,"additional_data":null}`...)
	return reply{status: status, body: body}
}

func notFound() reply { return apiError(404, "Unknown method .") }

func methodNotAllowed(allow string) reply {
	r := apiError(405, "Method not allowed")
	r.allow = allow
	return r
}

// okRaw wraps pre-rendered data in {"success":true,"data":...}.
func (s *Sandbox) okRaw(status int, data []byte, cost int) reply {
	body := make([]byte, 0, len(data)+32)
	body = append(body, `{"success":true,"data":`...)
	body = append(body, data...)
	body = append(body, '}')
	return reply{status: status, body: body, cost: cost}
}

// okJSON renders {"success":true,"data":data[,"additional_data":extra]}.
func (s *Sandbox) okJSON(status int, data any, extra any, cost int) reply {
	env := struct {
		Success        bool `json:"success"`
		Data           any  `json:"data"`
		AdditionalData any  `json:"additional_data,omitempty"`
	}{true, data, extra}
	return reply{status: status, body: mustJSON(env), cost: cost}
}

func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

const maxBody = 1 << 20

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading request body: %w", err)
	}
	if len(b) > maxBody {
		return nil, errors.New("request body too large")
	}
	return b, nil
}

// correlationID returns a random UUID-formatted id, as Pipedrive sends.
func correlationID() string {
	var b [16]byte
	a, c := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		b[i], b[8+i] = byte(a>>(8*i)), byte(c>>(8*i))
	}
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:16])
	return string(out[:])
}
