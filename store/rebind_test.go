package store

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/wagate/wagate/whatsapp/phone"
)

func TestRebindTouchesOnlyPlaceholders(t *testing.T) {
	sqlite, pg := &Store{dialect: SQLite}, &Store{dialect: Postgres}
	for _, c := range []struct{ in, want string }{
		{`SELECT $1, $2`, `SELECT ?1, ?2`},
		{`WHERE a = $10 AND b = $1`, `WHERE a = ?10 AND b = ?1`},
		{`json_extract(tags, '$.tags') = $1`, `json_extract(tags, '$.tags') = ?1`},
		{`SELECT '$1', $1`, `SELECT '$1', ?1`},
		{`SELECT 'it''s $2', $2`, `SELECT 'it''s $2', ?2`},
		{`SELECT "col$1", $1 FROM "t""$2"`, `SELECT "col$1", ?1 FROM "t""$2"`},
		{"SELECT `$1`, [$2], $3", "SELECT `$1`, [$2], ?3"},
		{"SELECT $1 -- not $2, isn't it\n, $3", "SELECT ?1 -- not $2, isn't it\n, ?3"},
		{`SELECT /* $1 ' */ $2`, `SELECT /* $1 ' */ ?2`},
		{`SELECT a$1, $ , $x, $`, `SELECT a$1, $ , $x, $`},
		{`SELECT ($1)+$2,$3`, `SELECT (?1)+?2,?3`},
		{`SELECT 'unterminated $1`, `SELECT 'unterminated $1`},
		{`$1`, `?1`},
	} {
		if got := sqlite.rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := pg.rebind(c.in); got != c.in {
			t.Errorf("PostgreSQL rebind(%q) = %q, want it unchanged", c.in, got)
		}
	}
}

// TestRebindKeepsJSONPathsOnSQLite runs a query with both a JSON path and placeholders on a real
// SQLite database: turning the path's $ into ? would make SQLite reject the path.
func TestRebindKeepsJSONPathsOnSQLite(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org, err := s.CreateOrganization(ctx, "acme", "AR")
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.CreateContactList(ctx, org.ID, NewContactList{Name: "l"})
	if err != nil {
		t.Fatal(err)
	}
	for i, raw := range []string{"+5492235961983", "+5492235961984"} {
		n, err := phone.Parse(raw, "AR")
		if err != nil {
			t.Fatal(err)
		}
		f := ContactFields{Tags: []string{"other"}, Metadata: json.RawMessage(`{"crmId": "A-1"}`)}
		if i == 1 {
			f = ContactFields{Tags: []string{"lead", "webinar"}, Metadata: json.RawMessage(`{"crmId": "A-2"}`)}
		}
		if _, err := s.CreateContact(ctx, org.ID, NewContact{ListID: list.ID, Phone: n, ContactFields: f}); err != nil {
			t.Fatal(err)
		}
	}
	var got string
	err = s.sql.QueryRowContext(ctx, s.rebind(`
		SELECT c.phone FROM contacts c
		WHERE c.org_id = $1 AND json_extract(c.metadata, '$.crmId') = $2 AND json_array_length(c.tags, '$') = $3`),
		org.ID, "A-2", 2).Scan(&got)
	if err != nil || got != "+5492235961984" {
		t.Fatalf("query with a JSON path: %q, %v; want +5492235961984", got, err)
	}
}
