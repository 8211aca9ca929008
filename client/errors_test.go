package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
)

// apiError is err as an *APIError, or the test fails.
func apiError(t *testing.T, err error, status int, code client.ErrorCode) *client.APIError {
	t.Helper()
	var e *client.APIError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want an *APIError", err, err)
	}
	if e.Status != status || e.Code != code || e.Message == "" {
		t.Fatalf("got %d %q %q, want %d %q and a message", e.Status, e.Code, e.Message, status, code)
	}
	return e
}

// TestErrorsFromTheServer: the real server's non-2xx answers come back as *APIError values
// with the envelope's code, message and details, and 2xx answers as values.
func TestErrorsFromTheServer(t *testing.T) {
	baseURL, key, stop := startWagate()
	defer stop()
	ctx := context.Background()
	c := must(client.New(baseURL, client.WithAPIKey(key)))

	stranger := must(client.New(baseURL, client.WithAPIKey("wg_not_a_key")))
	_, err := stranger.GetMe(ctx)
	if e := apiError(t, err, http.StatusUnauthorized, client.ErrorCodeUnauthorized); !strings.Contains(e.Error(), "401 unauthorized") {
		t.Errorf("Error() = %q", e.Error())
	}
	if me, err := must(client.New(baseURL, client.WithBearerToken(key))).GetMe(ctx); err != nil || me.Principal.Type != client.PrincipalTypeApiKey {
		t.Fatalf("GetMe with the key as a bearer token: %+v, %v", me, err)
	}

	_, err = c.GetContactList(ctx, 404404)
	apiError(t, err, http.StatusNotFound, client.ErrorCodeNotFound)

	_, err = c.CreateContactList(ctx, client.NewContactList{Name: ""})
	e := apiError(t, err, http.StatusBadRequest, client.ErrorCodeValidationError)
	if f := e.FieldErrors(); len(f) == 0 || f[0].Field != "/name" || f[0].In != "body" || f[0].Message == "" {
		t.Errorf("FieldErrors() = %+v, want /name in body", f)
	}

	list := must(c.CreateContactList(ctx, client.NewContactList{Name: "Leads", Description: client.Value("first")}))
	cleared := must(c.UpdateContactList(ctx, list.Id, client.ContactListPatch{Description: client.Null[string]()}))
	if !cleared.Description.IsNull() || cleared.Name != "Leads" {
		t.Errorf("a patch with Null clears the field and keeps the others: %+v", cleared)
	}
	if err := c.DeleteContactList(ctx, list.Id); err != nil {
		t.Fatalf("a 204 is no error: %v", err)
	}
	if err := c.DeleteContactList(ctx, list.Id); err == nil {
		t.Fatal("deleting it again is a 404, not nil")
	}
	if page, err := c.GetDocs(ctx); err != nil || !strings.Contains(string(page), "<html") {
		t.Fatalf("GetDocs answers the page: %.80s, %v", page, err)
	}
}

// TestErrorsNotFromWagate: Retry-After is read, a body that is not the envelope still makes an
// *APIError, and a 2xx that is not the declared body or no answer at all are errors of
// their own.
func TestErrorsNotFromWagate(t *testing.T) {
	answers := map[string]func(w http.ResponseWriter){
		"/api/v1/me": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"code":"rate_limited","message":"slow down","details":{}}}`))
		},
		"/readyz": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>bad gateway</html>"))
		},
		"/healthz": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("ok"))
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answers[r.URL.Path](w) }))
	defer srv.Close()
	ctx := context.Background()
	c := must(client.New(srv.URL))

	_, err := c.GetMe(ctx)
	if e := apiError(t, err, http.StatusTooManyRequests, client.ErrorCodeRateLimited); e.RetryAfter != 3*time.Second {
		t.Errorf("RetryAfter = %v, want 3s", e.RetryAfter)
	}
	_, err = c.GetReadiness(ctx)
	var e *client.APIError
	if !errors.As(err, &e) || e.Status != http.StatusBadGateway || e.Code != "" || e.Message != "<html>bad gateway</html>" || e.RetryAfter != 0 {
		t.Errorf("a proxy's 502: %#v", err)
	}
	if _, err := c.GetHealth(ctx); err == nil || errors.As(err, &e) {
		t.Errorf("a 200 in text/plain where JSON is declared: %v, want an error that is not an *APIError", err)
	}
	srv.Close()
	if _, err := c.GetHealth(ctx); err == nil || errors.As(err, &e) {
		t.Errorf("no server: %v, want the transport's error", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
