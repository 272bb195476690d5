package pipedrive

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"sync"
)

// user is the v1 user shape.
type user struct {
	ID                int64        `json:"id"`
	Name              string       `json:"name"`
	DefaultCurrency   string       `json:"default_currency"`
	Locale            string       `json:"locale"`
	Lang              int          `json:"lang"`
	Email             string       `json:"email"`
	Phone             *string      `json:"phone"`
	Activated         bool         `json:"activated"`
	LastLogin         *string      `json:"last_login"`
	Created           string       `json:"created"`
	Modified          *string      `json:"modified"`
	HasCreatedCompany bool         `json:"has_created_company"`
	Access            []userAccess `json:"access"`
	ActiveFlag        bool         `json:"active_flag"`
	TimezoneName      string       `json:"timezone_name"`
	TimezoneOffset    string       `json:"timezone_offset"`
	RoleID            int          `json:"role_id"`
	IconURL           *string      `json:"icon_url"`
	IsYou             bool         `json:"is_you"`
	IsDeleted         bool         `json:"is_deleted"`
	// IsAdmin is kept for the sandbox's own use; Pipedrive's definition of
	// a user has no such key.
	IsAdmin int `json:"-"`
}

// userAccess is one entry of a v1 user's access list.
type userAccess struct {
	App             string `json:"app"`
	Admin           bool   `json:"admin"`
	PermissionSetID string `json:"permission_set_id"`
}

// me is GET /v1/users/me: the user plus company details.
type me struct {
	user
	CompanyID       int64      `json:"company_id"`
	CompanyName     string     `json:"company_name"`
	CompanyDomain   string     `json:"company_domain"`
	CompanyCountry  string     `json:"company_country"`
	CompanyIndustry string     `json:"company_industry"`
	Language        meLanguage `json:"language"`
}

// meLanguage is the language of GET /v1/users/me.
type meLanguage struct {
	LanguageCode string `json:"language_code"`
	CountryCode  string `json:"country_code"`
}

const (
	companyName   = "Sandbox Trading Co"
	companyDomain = "sandboxtrading"
	companyMail   = "sandboxtrading.example"
)

var timezones = []struct{ name, offset, locale, currency string }{
	{"Europe/Tallinn", "+03:00", "et_EE", "EUR"}, {"Europe/Berlin", "+02:00", "de_DE", "EUR"},
	{"America/New_York", "-04:00", "en_US", "USD"}, {"Europe/London", "+01:00", "en_GB", "GBP"},
	{"America/Sao_Paulo", "-03:00", "pt_BR", "BRL"},
}

// userStore holds the users; there are few, so they are rendered per request.
type userStore struct {
	mu    sync.RWMutex
	users []*user
}

func newUserStore(us []*user) *userStore { return &userStore{users: us} }

// users0 generates n users. User 1 created the company and owns the API
// token; the last of six or more is deactivated.
func (g *gen) users0(n int) []*user {
	r := g.rng(106)
	out := make([]*user, n)
	for i := range out {
		first, last := pick(r, firstNames), pick(r, lastNames)
		tz := pick(r, timezones)
		created := g.t0 - 364*day + int64(i)*int64(200*day)/int64(n) + int64(r.IntN(3600))
		modified := created + int64(r.IntN(int((g.t0-created)/2)+1))
		login := g.t0 - int64(r.IntN(14*day))
		u := &user{
			ID: int64(i + 1), Name: first + " " + last, DefaultCurrency: tz.currency, Locale: tz.locale, Lang: 1,
			Email:     fmt.Sprintf("%s.%s@%s", asciiFold(first), asciiFold(last), companyMail),
			Activated: true, LastLogin: strPtr(v1Time(login)), Created: v1Time(created), Modified: strPtr(v1Time(modified)),
			HasCreatedCompany: i == 0, ActiveFlag: true, TimezoneName: tz.name, TimezoneOffset: tz.offset, RoleID: 1,
			Access: []userAccess{{App: "sales", Admin: i == 0, PermissionSetID: permissionSet(i == 0)}},
		}
		if i == 0 {
			u.IsAdmin = 1
			u.Access = append(u.Access, userAccess{App: "global", Admin: true, PermissionSetID: permissionSet(true)})
		}
		if i > 0 && i == n-1 && n >= 6 {
			u.ActiveFlag = false
		}
		if chance(r, 50) {
			u.Phone = strPtr(phoneFor(r, countries[0]))
		}
		if chance(r, 40) {
			u.IconURL = strPtr(fmt.Sprintf("https://files.sandbox.example/profile_picture/%d.jpg", u.ID))
		}
		out[i] = u
	}
	return out
}

func permissionSet(admin bool) string {
	if admin {
		return "0d8e3c6e-4b3d-11ee-be56-0242ac120002"
	}
	return "0d8e3f2a-4b3d-11ee-be56-0242ac120002"
}

func (us *userStore) count() int {
	us.mu.RLock()
	defer us.mu.RUnlock()
	n := 0
	for _, u := range us.users {
		if !u.IsDeleted {
			n++
		}
	}
	return n
}

func (us *userStore) activeIDs() []int64 {
	us.mu.RLock()
	defer us.mu.RUnlock()
	var ids []int64
	for _, u := range us.users {
		if u.ActiveFlag && !u.IsDeleted {
			ids = append(ids, u.ID)
		}
	}
	return ids
}

// get returns a copy of user id (nil if none), with is_you set for viewer.
func (us *userStore) get(id, viewer int64) *user {
	us.mu.RLock()
	defer us.mu.RUnlock()
	if id < 1 || id > int64(len(us.users)) {
		return nil
	}
	u := *us.users[id-1]
	u.IsYou = u.ID == viewer
	return &u
}

func (us *userStore) exists(id int64) bool {
	us.mu.RLock()
	defer us.mu.RUnlock()
	return id >= 1 && id <= int64(len(us.users))
}

func (us *userStore) all(viewer int64) []user {
	us.mu.RLock()
	defer us.mu.RUnlock()
	out := make([]user, len(us.users))
	for i, u := range us.users {
		out[i] = *u
		out[i].IsYou = u.ID == viewer
	}
	return out
}

// ---- handlers ----

func (s *Sandbox) usersRoute(rq *request, segs []string) reply {
	m := rq.r.Method
	switch {
	case len(segs) == 0:
		switch m {
		case "GET":
			us := s.users.all(rq.who.user)
			return s.okJSON(200, us, nil, 20)
		case "POST":
			return s.createUser(rq)
		}
		return methodNotAllowed("GET, POST")
	case len(segs) == 1 && segs[0] == "me":
		if m != "GET" {
			return methodNotAllowed("GET")
		}
		u := s.users.get(rq.who.user, rq.who.user)
		return s.okJSON(200, me{user: *u, CompanyID: companyID, CompanyName: companyName, CompanyDomain: companyDomain,
			CompanyCountry: "EE", CompanyIndustry: "Software", Language: meLanguage{"en", "US"}}, nil, 2)
	case len(segs) == 1:
		id, ok := parseID(segs[0])
		if !ok {
			return apiError(400, "Validation failed: id: Parameter 'id' must be an integer")
		}
		switch m {
		case "GET":
			u := s.users.get(id, rq.who.user)
			if u == nil {
				return apiError(404, "User not found")
			}
			return s.okJSON(200, u, nil, 2)
		case "PUT":
			return s.updateUser(rq, id)
		}
		return methodNotAllowed("GET, PUT")
	}
	return notFound()
}

func (s *Sandbox) createUser(rq *request) reply {
	var body struct {
		Email      string       `json:"email"`
		Name       string       `json:"name"`
		Access     []userAccess `json:"access"`
		ActiveFlag *bool        `json:"active_flag"`
	}
	raw, err := readBody(rq.r)
	if err != nil {
		return apiError(400, err.Error())
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return apiError(400, "Invalid JSON body: "+err.Error())
	}
	addr, err := mail.ParseAddress(body.Email)
	if body.Email == "" || err != nil {
		return apiError(400, "Validation failed: email: Parameter 'email' must be a valid email address")
	}
	now := s.now()
	us := s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	for _, u := range us.users {
		if strings.EqualFold(u.Email, addr.Address) {
			return apiError(400, "User with this email already exists")
		}
	}
	name := body.Name
	if name == "" {
		name, _, _ = strings.Cut(addr.Address, "@")
	}
	access := body.Access
	if len(access) == 0 {
		access = []userAccess{{App: "sales", PermissionSetID: permissionSet(false)}}
	}
	u := &user{ID: int64(len(us.users) + 1), Name: name, DefaultCurrency: "EUR", Locale: "en_US", Lang: 1,
		Email: addr.Address, Activated: false, Created: v1Time(now), Modified: strPtr(v1Time(now)),
		Access: access, ActiveFlag: body.ActiveFlag == nil || *body.ActiveFlag,
		TimezoneName: "Europe/Tallinn", TimezoneOffset: "+03:00", RoleID: 1}
	us.users = append(us.users, u)
	return s.okJSON(200, u, nil, 10)
}

func (s *Sandbox) updateUser(rq *request, id int64) reply {
	raw, err := readBody(rq.r)
	if err != nil {
		return apiError(400, err.Error())
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		return apiError(400, "Invalid JSON body: "+err.Error())
	}
	var active bool
	if v, ok := body["active_flag"]; !ok || json.Unmarshal(v, &active) != nil {
		return apiError(400, "Validation failed: active_flag: Parameter 'active_flag' is required and must be a boolean")
	}
	us := s.users
	us.mu.Lock()
	defer us.mu.Unlock()
	if id < 1 || id > int64(len(us.users)) {
		return apiError(404, "User not found")
	}
	u := *us.users[id-1] // copy-on-write: readers may hold the old one
	u.ActiveFlag = active
	u.Modified = strPtr(v1Time(s.now()))
	us.users[id-1] = &u
	out := u
	out.IsYou = u.ID == rq.who.user
	return s.okJSON(200, out, nil, 10)
}
