package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wagate/wagate/store"
)

// benchOrg is the organization the data set belongs to.
const benchOrg = "wagate-bench"

// seeded is what the servers and the load generator need to know about the loaded data.
type seeded struct {
	url      string // the bench database
	org      store.Organization
	keyID    string
	apiKey   string        // an admin key created for this run
	anchor   time.Time     // the time the reply records are relative to
	loadTook time.Duration // zero when the data was already there
	note     string        // what happened, for the printout
}

// seed makes sure the bench database holds exactly d, loading it when it does not, and creates
// an API key for the run.
func seed(ctx context.Context, cfg config, d dataset) (seeded, error) {
	var out seeded
	var err error
	if out.url, err = benchDatabaseURL(cfg.adminURL, cfg.dbName); err != nil {
		return out, err
	}
	created, err := ensureDatabase(ctx, cfg.adminURL, cfg.dbName, cfg.reload)
	if err != nil {
		return out, err
	}
	pool, err := pgxpool.New(ctx, out.url)
	if err != nil {
		return out, err
	}
	defer func() { pool.Close() }()

	meta, state := map[string]string{}, "the database was just created"
	if !created {
		meta, err = loadedState(ctx, pool, d)
		switch {
		case errors.Is(err, errStale):
			state = err.Error()
			pool.Close()
			if _, err := ensureDatabase(ctx, cfg.adminURL, cfg.dbName, true); err != nil {
				return out, err
			}
			if pool, err = pgxpool.New(ctx, out.url); err != nil {
				return out, err
			}
		case err != nil:
			return out, err
		}
	}

	st, err := store.Open(ctx, store.Config{URL: out.url})
	if err != nil {
		return out, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return out, err
	}

	if meta["org_id"] == "" {
		fmt.Printf("Loading the data set (%s; %s). This happens once; later runs reuse it.\n", d.spec(), state)
		start := time.Now()
		if out.org, out.anchor, err = load(ctx, st, pool, d); err != nil {
			return out, fmt.Errorf("load the data set: %w", err)
		}
		out.loadTook = time.Since(start)
		out.note = fmt.Sprintf("loaded in %s", out.loadTook.Round(100*time.Millisecond))
	} else {
		if out.org, err = st.Organization(ctx, meta["org_id"]); err != nil {
			return out, err
		}
		if out.anchor, err = time.Parse(time.RFC3339Nano, meta["anchor"]); err != nil {
			return out, fmt.Errorf("bench_meta anchor: %w", err)
		}
		out.note = "already loaded, reused"
		if shifted, took, err := refreshReplies(ctx, pool, out.org.ID, out.anchor); err != nil {
			return out, err
		} else if shifted != 0 {
			out.anchor = out.anchor.Add(shifted)
			out.note += fmt.Sprintf("; reply times moved forward by %s to keep the 24-hour windows open (%s)",
				shifted.Round(time.Minute), took.Round(100*time.Millisecond))
		}
	}

	key, secret, err := st.CreateAPIKey(ctx, out.org.ID, store.NewAPIKey{
		Name: "bench run " + time.Now().UTC().Format(time.RFC3339), Capabilities: store.AllCapabilities,
	})
	if err != nil {
		return out, err
	}
	out.keyID, out.apiKey = key.ID, secret
	return out, nil
}

// loadedState returns bench_meta when the database holds exactly d, and an errStale error
// saying what differs when it does not.
func loadedState(ctx context.Context, pool *pgxpool.Pool, d dataset) (map[string]string, error) {
	meta, err := readMeta(ctx, pool)
	if err != nil {
		return nil, err
	}
	if meta["spec"] != d.spec() || meta["complete"] != "yes" {
		return nil, fmt.Errorf("%w: the database holds no complete copy of this data set", errStale)
	}
	var contacts, replies int
	var orgName string
	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM contacts), (SELECT count(*) FROM inbound_activity),
		COALESCE((SELECT name FROM organizations WHERE id = $1), '')`, meta["org_id"]).Scan(&contacts, &replies, &orgName)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errStale, err) // e.g. a schema that changed under us
	}
	if want := d.replyRows(); contacts != d.contacts || replies != want || orgName != benchOrg {
		return nil, fmt.Errorf("%w: found %d contacts and %d reply records for %q, want %d, %d and %q",
			errStale, contacts, replies, orgName, d.contacts, want, benchOrg)
	}
	return meta, nil
}

// load creates the organization and its lists through the store, as wagate would, then copies
// the contacts and the reply records in with COPY (both at once: two cores), and leaves the
// tables vacuumed and analyzed so that neither server pays for hint bits or a stale plan.
func load(ctx context.Context, st *store.Store, pool *pgxpool.Pool, d dataset) (store.Organization, time.Time, error) {
	anchor := time.Now().UTC().Truncate(time.Microsecond)
	org, err := st.CreateOrganization(ctx, benchOrg, "AR")
	if err != nil {
		return org, anchor, err
	}
	listIDs := make([]int64, d.lists)
	kinds := []string{"Leads", "Clientes", "Reactivación", "Newsletter", "Eventos"}
	for i := range listIDs {
		name := fmt.Sprintf("%s %02d", kinds[i%len(kinds)], i+1)
		l, err := st.CreateContactList(ctx, org.ID, store.NewContactList{Name: name})
		if err != nil {
			return org, anchor, err
		}
		listIDs[i] = l.ID
	}

	// Contact ids come from the store's allocator, as wagate's own creates and imports take them.
	ids, err := allocateContactIDs(ctx, st, org.ID, d.contacts)
	if err != nil {
		return org, anchor, err
	}

	copyStart := time.Now()
	errs := make(chan error, 2)
	go func() { errs <- copyContacts(ctx, pool, d, org.ID, listIDs, ids, anchor) }()
	go func() { errs <- copyReplies(ctx, pool, d, org.ID, anchor) }()
	if err := errors.Join(<-errs, <-errs); err != nil {
		return org, anchor, err
	}
	fmt.Printf("  copied %d contacts and %d reply records in %s\n", d.contacts, d.replyRows(), time.Since(copyStart).Round(100*time.Millisecond))

	vacuumStart := time.Now()
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) contact_lists, contacts, inbound_activity"); err != nil {
		return org, anchor, err
	}
	fmt.Printf("  VACUUM ANALYZE took %s\n", time.Since(vacuumStart).Round(100*time.Millisecond))

	_, err = pool.Exec(ctx, metaTable)
	if err == nil {
		// The marker goes in last: an interrupted load is never mistaken for a complete one.
		_, err = pool.Exec(ctx, `INSERT INTO bench_meta (key, value) VALUES
			('spec', $1), ('org_id', $2), ('anchor', $3), ('complete', 'yes')`,
			d.spec(), org.ID, anchor.Format(time.RFC3339Nano))
	}
	return org, anchor, err
}

var contactColumns = []string{"id", "org_id", "contact_list_id", "phone", "country_code", "match_key",
	"full_name", "first_name", "last_name", "email", "source", "tags", "category", "status",
	"campaign_id", "last_call_status", "last_call_at", "last_call_duration", "last_call_feedback",
	"notes", "metadata", "created_at", "updated_at"}

// idBlock is a run of consecutive ids: first, first+1, ..., first+n-1.
type idBlock struct{ first, n int64 }

// allocateContactIDs takes n contact ids for the organization, in blocks as large as the
// store hands out.
func allocateContactIDs(ctx context.Context, st *store.Store, orgID string, n int) ([]idBlock, error) {
	var blocks []idBlock
	for n > 0 {
		size := min(n, store.MaxIDBlock)
		first, err := st.AllocateIDs(ctx, orgID, store.ContactIDs, size)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, idBlock{first, int64(size)})
		n -= size
	}
	return blocks, nil
}

func copyContacts(ctx context.Context, pool *pgxpool.Pool, d dataset, orgID string, listIDs []int64, ids []idBlock, anchor time.Time) error {
	i := 0
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"contacts"}, contactColumns, pgx.CopyFromFunc(func() ([]any, error) {
		if i == d.contacts {
			return nil, nil
		}
		c := d.contactAt(i, anchor)
		i++
		id := ids[0].first
		ids[0].first++
		if ids[0].n--; ids[0].n == 0 {
			ids = ids[1:]
		}
		return []any{id, orgID, listIDs[c.list], c.num.E164(), "AR", c.num.MatchKey(),
			c.fullName, c.firstName, c.lastName, c.email, c.source, c.tags, c.category, c.status,
			c.campaignID, c.lastCallStatus, c.lastCallAt, c.lastCallDuration, c.lastCallFeedback,
			c.notes, c.metadata, c.createdAt, c.updatedAt}, nil
	}))
	if err == nil && n != int64(d.contacts) {
		err = fmt.Errorf("copied %d contacts, want %d", n, d.contacts)
	}
	return err
}

func copyReplies(ctx context.Context, pool *pgxpool.Pool, d dataset, orgID string, anchor time.Time) error {
	var pending []reply
	k := 0
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"inbound_activity"},
		[]string{"org_id", "match_key", "session_id", "phone", "last_message_at", "last_direct_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for len(pending) == 0 {
				if k == d.allPhones() {
					return nil, nil
				}
				pending = d.repliesOf(pending, k, anchor)
				k++
			}
			r := pending[0]
			pending = pending[1:]
			return []any{orgID, r.num.MatchKey(), r.session, r.num.E164(), r.lastMessageAt, r.lastDirectAt}, nil
		}))
	return err
}

// refreshReplies moves every reply time forward by the time since the anchor when that is
// over an hour, so that a data set loaded yesterday still has the share of open 24-hour
// windows it was generated with. It returns the shift (zero when none was needed).
func refreshReplies(ctx context.Context, pool *pgxpool.Pool, orgID string, anchor time.Time) (time.Duration, time.Duration, error) {
	shift := time.Since(anchor).Truncate(time.Microsecond)
	if shift < time.Hour {
		return 0, 0, nil
	}
	start := time.Now()
	_, err := pool.Exec(ctx, `UPDATE inbound_activity
		SET last_message_at = last_message_at + $1::bigint * interval '1 microsecond',
		    last_direct_at = last_direct_at + $1::bigint * interval '1 microsecond'
		WHERE org_id = $2`, shift.Microseconds(), orgID)
	if err == nil {
		_, err = pool.Exec(ctx, `UPDATE bench_meta SET value = $1 WHERE key = 'anchor'`, anchor.Add(shift).Format(time.RFC3339Nano))
	}
	if err == nil {
		_, err = pool.Exec(ctx, "VACUUM (ANALYZE) inbound_activity")
	}
	return shift, time.Since(start), err
}

// prewarm reads the tables and indexes the lookup touches into memory before either server
// runs, so that the server measured first does not pay for a cold cache. Heaps go to the OS
// cache (they may exceed shared_buffers); the lookup's indexes go to shared_buffers, last.
// With contacts, the indexes the contact queries use go to the OS cache too, so that wagate,
// measured before the same SQL through pgx, does not read them from disk for both.
func prewarm(ctx context.Context, dbURL string, contacts bool) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_prewarm"); err != nil {
		return "skipped (pg_prewarm is not available: " + err.Error() + ")", nil
	}
	var blocks int64
	if contacts {
		err = conn.QueryRow(ctx, `SELECT sum(pg_prewarm(i, 'read')) FROM unnest($1::regclass[]) i`, []string{
			"contacts_created_page", "contacts_filters", "contacts_search", "contacts_pkey",
		}).Scan(&blocks)
		if err != nil {
			return "", err
		}
	}
	var lookup int64
	err = conn.QueryRow(ctx, `SELECT
		pg_prewarm('contacts', 'read') + pg_prewarm('inbound_activity', 'read') +
		pg_prewarm('contact_lists') + pg_prewarm('inbound_activity_pkey') + pg_prewarm('contacts_lookup')`).Scan(&lookup)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt((blocks+lookup)*8/1024, 10) + " MB read with pg_prewarm", nil
}
