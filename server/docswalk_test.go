package server_test

import (
	"encoding/json"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// docsWalk is the order in which a person runs every operation from /docs, each one's inputs
// coming from earlier answers: a key is created before it is revoked, a list before a contact
// goes into it.
var docsWalk = []string{
	"getHealth", "getReadiness", "getOpenAPIJSON", "getOpenAPIYAML", "getPostmanCollection",
	"getDocs", "getMetrics", "getMe",
	"createApiKey", "listApiKeys", "revokeApiKey",
	"createContactList", "listContactLists", "getContactList", "updateContactList",
	"createContact", "getContact", "updateContact", "listTags", "listCategories", "listContacts", "queryContacts", "exportContacts",
	"importContacts", "listImports", "getImport",
	"lookupContact", "lookupContactWithoutSlash", "lookupContactsBatch",
	"deleteContact", "deleteContactList",
	"createSession", "listSessions", "getSession", "listSeenContacts", "listSeenGroups", "connectSession", "getSessionQR", "requestPairingCode",
	"checkContact", "checkContacts", "getContactAbout",
	"disconnectSession", "logoutSession", "deleteSession",
}

// TestDocsPrefilledExamplesSucceed sends every operation as Swagger UI's "Try it out" fills it
// in from the spec (each parameter's example, the request body's example), changing only the
// ids a person takes from earlier answers, and wants each operation's 2xx. The clock stands
// years ahead: the page is read long after the spec is written, and an example that only
// works until some date (an expiresAt) would then be refused.
func TestDocsPrefilledExamplesSucceed(t *testing.T) {
	doc, _ := loadSpec(t)
	eachBackend(t, func(t *testing.T, h *harness) {
		later := time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)
		h.store.SetClock(func() time.Time { return later })

		ops := map[string]struct {
			method, path string
			op           *openapi3.Operation
		}{}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				ops[op.OperationID] = struct {
					method, path string
					op           *openapi3.Operation
				}{method, path, op}
			}
		}
		if len(ops) != len(docsWalk) {
			t.Fatalf("the spec has %d operations, the walk runs %d: add the new ones to docsWalk", len(ops), len(docsWalk))
		}

		// ids holds what earlier answers returned, by the name of the input a person fills with it.
		ids := map[string]any{}
		// arrange does, before an operation, what a person does away from the page: the phone
		// shows a QR code, then is paired; WhatsApp knows the examples' numbers.
		h.wa.set(h.wa.pairing)
		h.wa.has("Hey there! I am using WhatsApp.", "+5492235961983")
		var wa *whatsapptest.Client
		arrange := map[string]func(){
			// The session met people and joined a group before this walk (the pages list what
			// was stored, connected or not).
			"listSeenContacts": func() {
				session := ids["sessionId"].(string)
				at := later.Add(-time.Hour)
				if err := h.store.RecordSeen(ctx, h.org.ID, session, []store.SeenPerson{
					{PhoneJID: "5492235961983@s.whatsapp.net", LID: "123456789012345@lid", FullName: "Ana Pérez", PushName: "Anita", DirectChat: true, Group: "120363025246125888@g.us", At: at},
				}); err != nil {
					t.Fatal(err)
				}
				if err := h.store.RecordGroups(ctx, h.org.ID, session, []store.SeenGroup{
					{JID: "120363025246125888@g.us", Name: "Clientes zona sur", Participants: 57, RefreshedAt: at},
				}); err != nil {
					t.Fatal(err)
				}
			},
			"getSessionQR": func() {
				wa = h.wa.connecting(t, 0)
				wa.ShowQR("2@docs")
				waitStatus(t, h.client(h.admin), ids["sessionId"].(string), client.SessionStatusPairing)
				wa.EmitCode("2@docs", time.Minute)
				for must(h.client(h.admin).GetSessionQRWithResponse(ctx, ids["sessionId"].(string), nil)).JSON200 == nil {
					time.Sleep(time.Millisecond)
				}
			},
			"requestPairingCode": func() {
				h.wa.answerPairing(func(string) (string, error) { return "ABCD-EFGH", nil })
			},
			"checkContact": func() {
				wa.PairAndLogIn("5492235961983", 12)
				waitStatus(t, h.client(h.admin), ids["sessionId"].(string), client.SessionStatusConnected)
			},
		}
		for _, id := range docsWalk {
			o, ok := ops[id]
			if !ok {
				t.Fatalf("docsWalk names %s, which the spec does not have", id)
			}
			if f := arrange[id]; f != nil {
				f()
			}
			path, query := o.path, []string{}
			for _, p := range o.op.Parameters {
				v, filled := ids[p.Value.Name]
				if !filled {
					v = p.Value.Example
				}
				if v == nil {
					continue // the page leaves it empty and sends nothing
				}
				s := strings.Trim(string(must(json.Marshal(v))), `"`)
				switch p.Value.In {
				case openapi3.ParameterInPath:
					path = strings.ReplaceAll(path, "{"+p.Value.Name+"}", s)
				case openapi3.ParameterInQuery: // escaped, as the page sends it ("Lista Principal")
					query = append(query, p.Value.Name+"="+url.QueryEscape(s))
				}
			}
			if len(query) > 0 {
				path += "?" + strings.Join(query, "&")
			}
			body := ""
			if rb := o.op.RequestBody; rb != nil {
				ex := rb.Value.Content.Get("application/json").Example
				if m, isObject := ex.(map[string]any); isObject {
					m = maps.Clone(m)
					if v, filled := ids["listId"]; filled && m["contactListId"] != nil {
						m["contactListId"] = v
					}
					ex = m
				}
				body = string(must(json.Marshal(ex)))
			}

			status, got, _ := h.do(o.method, path, body, "X-API-Key", h.admin)
			if status < 200 || status > 299 {
				t.Errorf("%s %s as the docs page fills it in: %d %s", id, path, status, got)
				continue
			}
			var answer struct {
				ID any `json:"id"`
			}
			_ = json.Unmarshal(got, &answer) // only the create answers carry an id
			switch id {
			case "createApiKey":
				ids["keyId"] = answer.ID
			case "createContactList":
				ids["listId"] = answer.ID
			case "createContact":
				ids["contactId"] = answer.ID
			case "createSession":
				ids["sessionId"] = answer.ID
			case "importContacts":
				ids["importId"] = answer.ID
			}
		}
	}, withMetrics(true))
}
