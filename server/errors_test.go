package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/server/loginjwt"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/phone"
)

// answered runs err through the error handler, as a request's failure, and returns the
// response.
func answered(t *testing.T, err error) (*httptest.ResponseRecorder, gen.ErrorBody) {
	t.Helper()
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/api/v1/me", nil), rec)
	errorHandler(slog.New(slog.DiscardHandler))(err, c)
	var body gen.Error
	if jerr := json.Unmarshal(rec.Body.Bytes(), &body); jerr != nil {
		t.Fatalf("%v: the answer is not the envelope: %v: %s", err, jerr, rec.Body)
	}
	return rec, body.Error
}

type strangeKind struct{}

func (strangeKind) Error() string { return "a kind nobody mapped" }
func (strangeKind) Kind() string  { return "not_in_the_table" }

// TestKindsMissingFromTheTable: an error whose kind the table lacks is a 500 envelope, not a
// panic on status 0 (as a store code missing from the old table was), and its message stays
// in the log.
func TestKindsMissingFromTheTable(t *testing.T) {
	for _, err := range []error{
		&store.Error{Code: "not_in_the_table", Message: "store internals"},
		fmt.Errorf("wrapped: %w", strangeKind{}),
	} {
		rec, body := answered(t, err)
		if rec.Code != http.StatusInternalServerError || body.Code != gen.ErrorCodeInternal || body.Message != "internal error" {
			t.Errorf("%v: %d %+v, want a 500 internal", err, rec.Code, body)
		}
	}
}

// TestEveryKindAnswers: every row of the table is a real status and a code the spec declares.
func TestEveryKindAnswers(t *testing.T) {
	for k, a := range answers {
		if http.StatusText(a.status) == "" || a.status < 400 || !a.code.Valid() {
			t.Errorf("kind %q answers %d %q", k, a.status, a.code)
		}
	}
	for status, k := range echoKinds {
		if a, ok := answers[k]; !ok || a.status != status {
			t.Errorf("Echo's %d is kind %q, which answers %d (in the table: %v)", status, k, a.status, ok)
		}
	}
}

// TestOtherPackagesErrorsByKind: phone and login-token errors are answered by their kinds'
// rows, with their own words.
func TestOtherPackagesErrorsByKind(t *testing.T) {
	_, perr := phone.Parse("hello", "AR")
	keysDown := loginjwt.EKEYSUNAVAILABLE
	cases := []struct {
		err    error
		status int
		code   gen.ErrorCode
	}{
		{perr, http.StatusBadRequest, gen.ErrorCodeValidationError},
		{&store.Error{Code: store.ECONFLICT, Message: "taken"}, http.StatusConflict, gen.ErrorCodeConflict},
		{&store.Error{Code: store.ENOTFOUND, Message: "no such list"}, http.StatusNotFound, gen.ErrorCodeNotFound},
	}
	for _, tc := range cases {
		rec, body := answered(t, tc.err)
		if rec.Code != tc.status || body.Code != tc.code || body.Message != tc.err.Error() {
			t.Errorf("%v: %d %+v, want %d %s", tc.err, rec.Code, body, tc.status, tc.code)
		}
	}
	if a, _ := answerFor(kind(keysDown)); a.status != http.StatusServiceUnavailable {
		t.Errorf("%s answers %d", keysDown, a.status)
	}
	if a, _ := answerFor(loginjwt.EREFUSED); a.status != http.StatusUnauthorized {
		t.Errorf("%s answers %d", loginjwt.EREFUSED, a.status)
	}
	if m, ok := phoneProblem(perr); !ok || m != "contains letters" {
		t.Errorf("phoneProblem = %q, %v", m, ok)
	}
}

type slowDown struct{ after time.Duration }

func (s slowDown) Error() string             { return "slow down" }
func (s slowDown) Kind() string              { return string(kindRateLimited) }
func (s slowDown) RetryAfter() time.Duration { return s.after }

// TestRetryAfter: an error that says when to retry gets a Retry-After header, in whole
// seconds rounded up; adding a kind such as "rate limited" is then one row.
func TestRetryAfter(t *testing.T) {
	rec, body := answered(t, fmt.Errorf("send: %w", slowDown{1500 * time.Millisecond}))
	if rec.Code != http.StatusTooManyRequests || body.Code != gen.ErrorCodeRateLimited || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("%d %+v, Retry-After %q", rec.Code, body, rec.Header().Get("Retry-After"))
	}
	if rec, _ := answered(t, errors.New("boom")); rec.Header().Get("Retry-After") != "" {
		t.Fatal("Retry-After on an error that does not say")
	}
}

// TestWhatsAppErrorsByKind: each kind of the WhatsApp adapter's errors is answered by its
// row, in its own words, wrapped or not; its rate limit says when to retry.
func TestWhatsAppErrorsByKind(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   gen.ErrorCode
	}{
		{&whatsapp.Error{Code: whatsapp.ENOTCONNECTED, Message: "the session is not connected"}, http.StatusNotImplemented, gen.ErrorCodeNotImplemented},
		{whatsapp.RateLimited(90*time.Second, errors.New("rate-overlimit")), http.StatusTooManyRequests, gen.ErrorCodeRateLimited},
		{&whatsapp.Error{Code: whatsapp.ETIMEOUT, Message: "WhatsApp did not answer in time"}, http.StatusServiceUnavailable, gen.ErrorCodeUnavailable},
		{&whatsapp.Error{Code: whatsapp.EINVALID, Message: "not a WhatsApp address"}, http.StatusBadRequest, gen.ErrorCodeValidationError},
		{&whatsapp.Error{Code: whatsapp.ECONFLICT, Message: "the session is paired already"}, http.StatusConflict, gen.ErrorCodeConflict},
		{&whatsapp.Error{Code: whatsapp.ENOTFOUND, Message: "no such session"}, http.StatusNotFound, gen.ErrorCodeNotFound},
		{&whatsapp.Error{Code: whatsapp.EUPSTREAM, Message: "WhatsApp refused to ask for a pairing code"}, http.StatusBadGateway, gen.ErrorCodeBadGateway},
	}
	for _, tc := range cases {
		rec, body := answered(t, fmt.Errorf("lookup: %w", tc.err))
		if rec.Code != tc.status || body.Code != tc.code || body.Message != tc.err.Error() {
			t.Errorf("%s: %d %+v, want %d %s", whatsapp.KindOf(tc.err), rec.Code, body, tc.status, tc.code)
		}
		wantRetry := ""
		if tc.status == http.StatusTooManyRequests {
			wantRetry = "90"
		}
		if got := rec.Header().Get("Retry-After"); got != wantRetry {
			t.Errorf("%s: Retry-After %q, want %q", whatsapp.KindOf(tc.err), got, wantRetry)
		}
	}
}
