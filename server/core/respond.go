package core

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kith/store"
)

// apiTimeFormat is how the API writes timestamps.
const apiTimeFormat = "2006-01-02T15:04:05.000Z"

// APITime is how the API writes a time.
func APITime(t time.Time) string { return t.UTC().Format(apiTimeFormat) }

// APITimePtr is apiTime, or null for the zero time.
func APITimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := APITime(t)
	return &s
}

// APIID is how the API writes an id: a string.
func APIID(id int64) string { return strconv.FormatInt(id, 10) }

// APIIDPtr is apiID, or null for 0.
func APIIDPtr(id int64) *string {
	if id == 0 {
		return nil
	}
	s := APIID(id)
	return &s
}

// WriteAPI answers with a JSON body.
func WriteAPI(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// APIError answers with Mastodon's error shape.
func APIError(w http.ResponseWriter, status int, msg string) {
	WriteAPI(w, status, map[string]string{"error": msg})
}

// APIParams are an API request's parameters. Mastodon accepts them as
// query string, form (urlencoded or multipart) or JSON body, and clients
// use all three.
type APIParams struct {
	Values url.Values
}

// MaxMultipartMemory bounds how much of a multipart body is held in memory;
// the rest goes to temporary files.
const MaxMultipartMemory = 8 << 20

// Params reads every parameter of a request. JSON values are flattened to
// strings the way Rails does (arrays become key[] entries, nested objects
// key[sub]), so handlers read one shape.
func Params(r *http.Request) (APIParams, error) {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		v[k] = append(v[k], vs...)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var body map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil && err.Error() != "EOF" {
			return APIParams{}, Refuse(http.StatusBadRequest, "The request body is not valid JSON")
		}
		flatten(v, "", body)
	case "application/x-www-form-urlencoded":
		form, err := formBody(r)
		if err != nil {
			return APIParams{}, Refuse(http.StatusBadRequest, "The form could not be read")
		}
		for k, vs := range form {
			v[k] = append(v[k], vs...)
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(MaxMultipartMemory); err != nil {
			return APIParams{}, Refuse(http.StatusBadRequest, "The form could not be read")
		}
		for k, vs := range r.MultipartForm.Value {
			v[k] = append(v[k], vs...)
		}
	}
	return APIParams{Values: v}, nil
}

// formBody reads a urlencoded body. Go parses one only for POST, PUT and
// PATCH (and caches it, so reading it twice works); clients also send one
// with DELETE (go-mastodon's RemoveFromList), which is read here.
func formBody(r *http.Request) (url.Values, error) {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		return r.PostForm, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	return url.ParseQuery(string(body))
}

func flatten(v url.Values, prefix string, x any) {
	switch t := x.(type) {
	case map[string]any:
		for k, val := range t {
			key := k
			if prefix != "" {
				key = prefix + "[" + k + "]"
			}
			flatten(v, key, val)
		}
	case []any:
		for i, val := range t {
			switch val.(type) {
			case map[string]any:
				flatten(v, prefix+"["+strconv.Itoa(i)+"]", val)
			default:
				flatten(v, prefix+"[]", val)
			}
		}
	case nil:
		v.Add(prefix, "")
	case bool:
		v.Add(prefix, strconv.FormatBool(t))
	case json.Number:
		v.Add(prefix, t.String())
	default:
		v.Add(prefix, fmt.Sprint(t))
	}
}

// String returns a parameter, "" when absent.
func (p APIParams) String(key string) string { return p.Values.Get(key) }

// Has reports whether a parameter was sent.
func (p APIParams) Has(key string) bool { _, ok := p.Values[key]; return ok }

// Bool reads true/false/1/0/on (absent means def).
func (p APIParams) Bool(key string, def bool) bool {
	if !p.Has(key) {
		return def
	}
	switch strings.ToLower(p.Values.Get(key)) {
	case "true", "1", "on", "yes":
		return true
	}
	return false
}

// Int reads an integer parameter, def when absent or malformed.
func (p APIParams) Int(key string, def int64) int64 {
	n, err := strconv.ParseInt(p.Values.Get(key), 10, 64)
	if err != nil {
		return def
	}
	return n
}

// List reads an array parameter sent as key[]=a&key[]=b, key=a&key=b, or
// a JSON array.
func (p APIParams) List(key string) []string {
	if vs, ok := p.Values[key+"[]"]; ok {
		return vs
	}
	return p.Values[key]
}

// Page reads Mastodon's paging parameters; limit defaults to def and is
// capped at max.
func (p APIParams) Page(def, max int) store.Page {
	limit := int(p.Int("limit", int64(def)))
	if limit <= 0 {
		limit = def
	}
	return store.Page{MaxID: p.Int("max_id", 0), SinceID: p.Int("since_id", 0), MinID: p.Int("min_id", 0), Limit: min(limit, max)}
}

// SetLinkHeader writes the Link header clients page with: next points to
// older items (max_id), prev to newer ones (min_id).
func (s *Env) SetLinkHeader(w http.ResponseWriter, r *http.Request, newest, oldest int64, n, limit int) {
	if n == 0 {
		return
	}
	base := s.Config().BaseURL()
	base.Path = r.URL.Path
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		if k != "max_id" && k != "min_id" && k != "since_id" {
			q[k] = vs
		}
	}
	var links []string
	if n >= limit {
		next := CloneValues(q)
		next.Set("max_id", APIID(oldest))
		base.RawQuery = next.Encode()
		links = append(links, "<"+base.String()+`>; rel="next"`)
	}
	prev := CloneValues(q)
	prev.Set("min_id", APIID(newest))
	base.RawQuery = prev.Encode()
	links = append(links, "<"+base.String()+`>; rel="prev"`)
	w.Header().Set("Link", strings.Join(links, ", "))
}

// CloneValues copies v, so a page link can change it.
func CloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// EmptyList answers [] for list endpoints kith does not fill, as apps
// expect, rather than 404.
func EmptyList(w http.ResponseWriter, r *http.Request) { WriteAPI(w, http.StatusOK, []any{}) }
