package main

import (
	"encoding/json"
	"time"
)

// lookupResponse is seed 000's lookup answer, the shape of wagate's gen.ContactLookup: the
// same fields and names, nulls always present.
type lookupResponse struct {
	Contact             *contact   `json:"contact"`
	Found               bool       `json:"found"`
	HasReplied          bool       `json:"hasReplied"`
	LastReplyAt         *time.Time `json:"lastReplyAt"`
	SessionExpiresAt    *time.Time `json:"sessionExpiresAt"`
	SessionWindowActive bool       `json:"sessionWindowActive"`
}

// contact is gen.Contact. Tags and metadata go out as PostgreSQL returns the jsonb, which
// encoding/json compacts: the same JSON values wagate writes after decoding them into Go.
type contact struct {
	CampaignID       *string         `json:"campaignId"`
	Category         *string         `json:"category"`
	ContactListID    int64           `json:"contactListId"`
	ContactListName  string          `json:"contactListName"`
	CountryCode      string          `json:"countryCode"`
	CreatedAt        time.Time       `json:"createdAt"`
	Email            *string         `json:"email"`
	FirstName        *string         `json:"firstName"`
	FullName         *string         `json:"fullName"`
	ID               int64           `json:"id"`
	LastCallAt       *time.Time      `json:"lastCallAt"`
	LastCallDuration *int32          `json:"lastCallDuration"`
	LastCallFeedback *string         `json:"lastCallFeedback"`
	LastCallStatus   *string         `json:"lastCallStatus"`
	LastName         *string         `json:"lastName"`
	Metadata         json.RawMessage `json:"metadata"`
	Notes            *string         `json:"notes"`
	Phone            string          `json:"phone"`
	Source           *string         `json:"source"`
	Status           *string         `json:"status"`
	Tags             json.RawMessage `json:"tags"`
	UpdatedAt        time.Time       `json:"updatedAt"`
}
