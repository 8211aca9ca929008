package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/phone"
)

// CheckContact answers WhatsApp's word on one phone. A result WhatsApp could not give
// (unknown) is its error, a 429, 501, 502 or 503: never isOnWhatsApp false.
func (h *handlers) CheckContact(ctx context.Context, req gen.CheckContactRequestObject) (gen.CheckContactResponseObject, error) {
	raw := req.Params.Phone
	n, err := parsePhone(raw, "", "query", "phone")
	if err != nil {
		return nil, err
	}
	results, err := h.lookups.Check(ctx, principalFrom(ctx).Org.ID, req.SessionId, []phone.Number{n})
	if err != nil {
		return nil, err
	}
	if len(results) != 1 {
		return nil, fmt.Errorf("check of one number answered %d results", len(results))
	}
	r := results[0]
	if r.State == whatsapp.StateUnknown {
		return nil, unknownCause(r.Err)
	}
	return gen.CheckContact200JSONResponse{
		IsOnWhatsApp: r.State == whatsapp.StateOnWhatsApp, Jid: checkedJID(r), Query: raw, Phone: r.Phone,
		Lid: nonEmptyNull(r.LID), CheckedAt: r.CheckedAt, Cached: r.Cached,
	}, nil
}

// CheckContacts answers each phone in its own slot, in input order. A phone that is not an
// international number is its slot's validation_error and costs no lookup; the others are
// asked in one call.
func (h *handlers) CheckContacts(ctx context.Context, req gen.CheckContactsRequestObject) (gen.CheckContactsResponseObject, error) {
	org := principalFrom(ctx).Org.ID
	phones := req.Body.Phones
	slots := make([]gen.ContactCheckResult, len(phones))
	numbers := make([]phone.Number, 0, len(phones))
	asked := make([]int, 0, len(phones)) // asked[j] is the slot of numbers[j]
	for i, raw := range phones {
		slots[i] = gen.ContactCheckResult{Query: raw, Jid: nullable.NewNullNullable[string](), Phone: nullable.NewNullNullable[string](),
			Lid: nullable.NewNullNullable[string](), CheckedAt: nullable.NewNullNullable[time.Time](), Error: nullable.NewNullNullable[gen.NullableErrorBody]()}
		n, err := phone.Parse(raw, "")
		if reason, ok := phoneProblem(err); ok {
			slots[i].Status = gen.ContactCheckStatusInvalid
			slots[i].Error = nullable.NewNullableWithValue(gen.NullableErrorBody{Code: gen.ErrorCodeValidationError, Message: reason, Details: map[string]any{}})
			continue
		} else if err != nil {
			return nil, err
		}
		numbers = append(numbers, n)
		asked = append(asked, i)
	}
	if len(numbers) == 0 {
		// Nothing to ask WhatsApp; the session must still be the caller's to answer at all.
		if _, err := h.store.Session(ctx, org, req.SessionId); err != nil {
			return nil, err
		}
		return gen.CheckContacts200JSONResponse{Results: slots}, nil
	}
	results, err := h.lookups.Check(ctx, org, req.SessionId, numbers)
	if err != nil {
		return nil, err
	}
	if len(results) != len(numbers) {
		return nil, fmt.Errorf("check of %d numbers answered %d results", len(numbers), len(results))
	}
	for j, r := range results {
		s := &slots[asked[j]]
		s.Phone = nullable.NewNullableWithValue(r.Phone)
		s.Cached = r.Cached
		if r.State == whatsapp.StateUnknown {
			body, ok := slotError(r.Err)
			if !ok { // a failure of no known kind is the whole answer's, and logged as one
				return nil, unknownCause(r.Err)
			}
			s.Status, s.Error = gen.ContactCheckStatusUnknown, nullable.NewNullableWithValue(body)
			continue
		}
		known := r.State == whatsapp.StateOnWhatsApp
		s.Status, s.IsOnWhatsApp = gen.ContactCheckStatusNotOnWhatsapp, &known
		if known {
			s.Status = gen.ContactCheckStatusOnWhatsapp
		}
		s.Jid, s.Lid, s.CheckedAt = checkedJID(r), nonEmptyNull(r.LID), nullable.NewNullableWithValue(r.CheckedAt)
	}
	return gen.CheckContacts200JSONResponse{Results: slots}, nil
}

// GetContactAbout answers the about text of a phone or user JID.
func (h *handlers) GetContactAbout(ctx context.Context, req gen.GetContactAboutRequestObject) (gen.GetContactAboutResponseObject, error) {
	n, err := parseContactPhone(req.Phone)
	if err != nil {
		return nil, err
	}
	a, err := h.lookups.About(ctx, principalFrom(ctx).Org.ID, req.SessionId, n)
	if err != nil {
		return nil, err
	}
	return gen.GetContactAbout200JSONResponse{About: a.About, Phone: a.Phone, Jid: a.JID, CheckedAt: a.CheckedAt}, nil
}

// userServer is the JID server of WhatsApp users reached by phone number.
const userServer = "s.whatsapp.net"

// parseContactPhone reads the about operation's {phone}: a phone in international form, or
// a user JID without a device part, whose user is the phone's digits.
func parseContactPhone(raw string) (phone.Number, error) {
	const notAJID = "is neither a phone in international form nor a user JID (digits@s.whatsapp.net)"
	if user, server, isJID := strings.Cut(raw, "@"); isJID {
		if server != userServer || user == "" || strings.Trim(user, "0123456789") != "" {
			return phone.Number{}, invalid(fieldError{Field: "phone", In: "path", Message: notAJID})
		}
		raw = "+" + user
	}
	return parsePhone(raw, "", "path", "phone")
}

// checkedJID is the JID of a number on WhatsApp, null for one that is not.
func checkedJID(r whatsapp.CheckResult) nullable.Nullable[string] {
	if r.State != whatsapp.StateOnWhatsApp {
		return nullable.NewNullNullable[string]()
	}
	return nonEmptyNull(r.JID)
}

func nonEmptyNull(v string) nullable.Nullable[string] {
	if v == "" {
		return nullable.NewNullNullable[string]()
	}
	return nullable.NewNullableWithValue(v)
}

// unknownCause is the error of a result WhatsApp did not give. The lookups always say why;
// a result that does not is a fault, answered as one rather than as any answer.
func unknownCause(err error) error {
	if err == nil {
		return errors.New("a check answered unknown without saying why")
	}
	return err
}

// slotError is a batch slot's error, as the envelope would answer it on its own: the code of
// its kind's row and its words; a rate limit says in details.retryAfter (seconds) when to
// try again, as Retry-After does for a whole answer. ok is false for an error of no kind
// the table knows.
func slotError(err error) (body gen.NullableErrorBody, ok bool) {
	var k kinded
	if err == nil || !errors.As(err, &k) {
		return body, false
	}
	a, ok := answerFor(kind(k.Kind()))
	if !ok {
		return body, false
	}
	body = gen.NullableErrorBody{Code: a.code, Message: err.Error(), Details: map[string]any{}}
	var later interface{ RetryAfter() time.Duration }
	if errors.As(err, &later) && later.RetryAfter() > 0 {
		body.Details["retryAfter"] = int(math.Ceil(later.RetryAfter().Seconds()))
	}
	return body, true
}
