package store_test

import (
	"fmt"
	"github.com/jackc/pgx/v5"
	"slices"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// BenchmarkRecordSeen is the per-message cost of the seen contacts on each engine: the
// sender of one message recorded as it arrives. new: a person never seen (an insert);
// known: a person seen before (the upsert's update); group: a known person in a group (the
// upsert and its membership, one statement on PostgreSQL); lid+phone: a known, linked person
// given by LID and phone (SenderAlt).
func BenchmarkRecordSeen(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(string(backend), func(b *testing.B) {
			s := storetest.Open(b, backend)
			org, err := s.CreateOrganization(ctx, "bench", "AR")
			if err != nil {
				b.Fatal(err)
			}
			sess, err := s.CreateSession(ctx, org.ID, "main")
			if err != nil {
				b.Fatal(err)
			}
			const known = 1000
			var people []store.SeenPerson
			for i := range known {
				people = append(people, store.SeenPerson{PhoneJID: benchJID(i), LID: fmt.Sprintf("9%014d@lid", i), PushName: "someone", At: seenAt})
			}
			if err := s.RecordSeen(ctx, org.ID, sess.ID, people); err != nil {
				b.Fatal(err)
			}
			next := known
			for _, c := range []struct {
				name   string
				person func(i int) store.SeenPerson
			}{
				{"new", func(int) store.SeenPerson {
					next++
					return store.SeenPerson{PhoneJID: benchJID(next), PushName: "new", DirectChat: true, At: seenAt}
				}},
				{"known", func(i int) store.SeenPerson {
					return store.SeenPerson{PhoneJID: benchJID(i % known), PushName: "again", DirectChat: true, At: seenAt.Add(time.Duration(i) * time.Millisecond)}
				}},
				{"group", func(i int) store.SeenPerson {
					return store.SeenPerson{PhoneJID: benchJID(i % known), Group: fmt.Sprintf("1203630000%08d@g.us", i%50), At: seenAt.Add(time.Duration(i) * time.Millisecond)}
				}},
				{"lid+phone", func(i int) store.SeenPerson {
					return store.SeenPerson{PhoneJID: benchJID(i % known), LID: fmt.Sprintf("9%014d@lid", i%known), At: seenAt.Add(time.Duration(i) * time.Millisecond)}
				}},
			} {
				b.Run(c.name, func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						if err := s.RecordSeen(ctx, org.ID, sess.ID, []store.SeenPerson{c.person(i)}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

func benchJID(i int) string { return fmt.Sprintf("54911%08d@s.whatsapp.net", i) }

// BenchmarkSeenContactsSearch lists one session of 100,000 people on PostgreSQL with q: a
// common substring (about 3 people in 10) on the first page and on page 500, and a rare one
// (a phone's digits). p95-ms is the 95th percentile of the operations timed.
func BenchmarkSeenContactsSearch(b *testing.B) {
	dbURL, dir := storetest.URL(b, storetest.Postgres)
	s := storetest.OpenURL(b, dbURL, dir)
	// The baseline: the same statement with the same arguments, straight through pgx.
	direct, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { direct.Close(ctx) })
	org, err := s.CreateOrganization(ctx, "bench", "AR")
	if err != nil {
		b.Fatal(err)
	}
	sess, err := s.CreateSession(ctx, org.ID, "main")
	if err != nil {
		b.Fatal(err)
	}
	// Another session's people share the table, as they would.
	other, err := s.CreateSession(ctx, org.ID, "other")
	if err != nil {
		b.Fatal(err)
	}
	firstNames := []string{"María", "José", "Ana", "Juan", "Lucía", "Carlos", "Sofía", "Diego", "Valentina", "Martín"}
	surnames := []string{"González", "Rodríguez", "Gómez", "Fernández", "López", "Martínez", "Díaz", "Pérez", "Sánchez", "Romero"}
	const people, batch = 100_000, 2_000
	load := func(sessionID string, n int) {
		for start := 0; start < n; start += batch {
			var chunk []store.SeenPerson
			for i := start; i < start+batch && i < n; i++ {
				chunk = append(chunk, store.SeenPerson{
					PhoneJID:   fmt.Sprintf("5491155%06d@s.whatsapp.net", i*7919%1_000_000), // distinct: 7919 is prime to 10^6
					FullName:   firstNames[i%10] + " " + surnames[i/10%10],
					PushName:   fmt.Sprintf("%s %d", firstNames[(i/100)%10], i%97),
					DirectChat: i%3 == 0, At: seenAt.Add(time.Duration(i) * time.Second),
				})
			}
			if err := s.RecordSeen(ctx, org.ID, sessionID, chunk); err != nil {
				b.Fatal(err)
			}
		}
	}
	loaded := time.Now()
	load(sess.ID, people)
	load(other.ID, 20_000)
	b.Logf("loaded %d people in %v", people+20_000, time.Since(loaded).Round(time.Millisecond))
	if _, err := s.DB().ExecContext(ctx, `ANALYZE wa_seen_people`); err != nil {
		b.Fatal(err)
	}

	const limit = 50
	common := store.SeenFilter{Q: "mar"}
	// Page 500's cursor: the id after which it starts.
	var page500 int64
	var matches int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM wa_seen_people WHERE session_id = $1 AND search LIKE '%mar%'`, sess.ID).Scan(&matches); err != nil {
		b.Fatal(err)
	}
	if err := s.DB().QueryRowContext(ctx, `SELECT id FROM wa_seen_people WHERE session_id = $1 AND search LIKE '%mar%'
		ORDER BY id OFFSET $2 LIMIT 1`, sess.ID, 499*limit-1).Scan(&page500); err != nil {
		b.Fatalf("page 500 needs %d matches of %q, there are %d: %v", 500*limit, common.Q, matches, err)
	}
	b.Logf("%q matches %d of %d people", common.Q, matches, people)
	for _, c := range []struct {
		name  string
		f     store.SeenFilter
		after int64
	}{
		{"q=common/page1", common, 0},
		{"q=common/page500", common, page500},
		{"q=rare/page1", store.SeenFilter{Q: "5491155007919"}, 0}, // person 1's phone
		{"q=none/page1", store.SeenFilter{Q: "zzz"}, 0},
		{"q=common+dm/page1", store.SeenFilter{Q: "mar", Source: "dm"}, 0},
		{"noq/page500", store.SeenFilter{}, page500},
	} {
		b.Run(c.name+"/store", func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				page, _, err := s.SeenContacts(ctx, org.ID, sess.ID, c.f, c.after, limit)
				times = append(times, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if len(page) == 0 && c.f.Q != "zzz" {
					b.Fatalf("%+v after %d: an empty page", c.f, c.after)
				}
			}
			reportP95(b, times)
		})
		b.Run(c.name+"/pgx", func(b *testing.B) {
			query, args := s.SeenContactsStatement(org.ID, sess.ID, c.f, c.after, limit)
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				rows, err := direct.Query(ctx, query, args...)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					if _, err := rows.Values(); err != nil {
						b.Fatal(err)
					}
					n++
				}
				rows.Close()
				times = append(times, time.Since(start))
				if rows.Err() != nil || n == 0 {
					b.Fatalf("%v, %d rows", rows.Err(), n)
				}
			}
			reportP95(b, times)
		})
	}
}

// reportP95 reports the 95th percentile of times, in milliseconds.
func reportP95(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*95/100])/float64(time.Millisecond), "p95-ms")
}
