package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wagate/wagate/whatsapp/phone"
)

const lookupPath = "/api/v1/contact-lookup/"

// replyWindow is store.ReplyWindow: free text may be sent this long after a direct message.
const replyWindow = 24 * time.Hour

// lookupSQL does the database work of store.LookupContact in one round trip for every phone.
// The contact part is store's lookupQuery: contacts_lookup (org_id, match_key, ORDER BY
// updated_at DESC, id DESC LIMIT 1) joined with contact_lists for the list name; the two
// activity subqueries are its subqueries word for word (the session filter included, bound to
// the empty string as wagate binds it). They sit in the outer SELECT and the contact in a LEFT
// JOIN LATERAL, so that a phone in no list still gets its reply records from the same query:
// the store answers that case with a second query (activityQuery) over the same primary key.
const lookupSQL = `
SELECT c.id, c.contact_list_id, c.contact_list_name, c.phone, c.country_code, c.full_name,
	c.first_name, c.last_name, c.email, c.source, c.tags, c.category, c.status, c.campaign_id,
	c.last_call_status, c.last_call_at, c.last_call_duration, c.last_call_feedback, c.notes,
	c.metadata, c.created_at, c.updated_at,
	(SELECT MAX(x.last_message_at) FROM inbound_activity x WHERE x.match_key = $2 AND x.org_id = $1 AND ($3 = '' OR x.session_id = $3)) AS last_reply_at,
	(SELECT MAX(x.last_direct_at) FROM inbound_activity x WHERE x.match_key = $2 AND x.org_id = $1 AND ($3 = '' OR x.session_id = $3)) AS last_direct_at
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
	SELECT c.*, l.name AS contact_list_name
	FROM contacts c JOIN contact_lists l ON l.org_id = c.org_id AND l.id = c.contact_list_id
	WHERE c.org_id = $1 AND c.match_key = $2
	ORDER BY c.updated_at DESC, c.id DESC
	LIMIT 1
) c ON true`

type lookupHandler struct {
	pool    *pgxpool.Pool
	orgID   string
	region  string
	keyHash [sha256.Size]byte
}

// authorized is as cheap as wagate's cached key check: wagate hashes the presented secret and
// finds the hash in a map; this hashes it and compares with the one key it knows.
func (h *lookupHandler) authorized(secret string) bool {
	sum := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(sum[:], h.keyHash[:]) == 1
}

func (h *lookupHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(r.Header.Get("X-API-Key")) {
		writeError(w, http.StatusUnauthorized, "unauthorized", "the API key is not valid")
		return
	}
	raw := r.URL.Query().Get("phone")
	if raw == "" {
		writeError(w, http.StatusBadRequest, "validation_error", "query parameter phone: is required")
		return
	}
	n, err := phone.Parse(raw, h.region)
	var pe *phone.Error
	if errors.As(err, &pe) {
		writeError(w, http.StatusBadRequest, "validation_error", "query parameter phone: "+pe.Reason)
		return
	} else if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "internal error")
		return
	}

	// The contact's NOT NULL columns come back NULL for a phone in no list, hence the pointers.
	var c contact
	var id, listID *int64
	var listName, e164, region *string
	var created, updated, lastReply, lastDirect *time.Time
	err = h.pool.QueryRow(r.Context(), lookupSQL, h.orgID, n.MatchKey, "").Scan(
		&id, &listID, &listName, &e164, &region, &c.FullName,
		&c.FirstName, &c.LastName, &c.Email, &c.Source, &c.Tags, &c.Category, &c.Status, &c.CampaignID,
		&c.LastCallStatus, &c.LastCallAt, &c.LastCallDuration, &c.LastCallFeedback, &c.Notes,
		&c.Metadata, &created, &updated, &lastReply, &lastDirect)
	if err != nil {
		log.Printf("lookup %s: %v", n.MatchKey, err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error")
		return
	}

	resp := lookupResponse{Found: id != nil, HasReplied: lastReply != nil, LastReplyAt: utc(lastReply)}
	if id != nil {
		c.ID, c.ContactListID, c.ContactListName, c.Phone, c.CountryCode = *id, *listID, *listName, *e164, *region
		c.CreatedAt, c.UpdatedAt, c.LastCallAt = created.UTC(), updated.UTC(), utc(c.LastCallAt)
		resp.Contact = &c
	}
	if lastDirect != nil {
		if expires := lastDirect.Add(replyWindow).UTC(); expires.After(time.Now()) {
			resp.SessionWindowActive, resp.SessionExpiresAt = true, &expires
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message, "details": map[string]any{}}})
}
