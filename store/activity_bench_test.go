package store_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/phone"
)

// BenchmarkRecordInbound is one reply's write, as the WhatsApp event path makes it for each
// message (a new phone each time), through the store and, on PostgreSQL, the same statement
// with the same arguments straight through pgx: the ratio is what the store adds.
func BenchmarkRecordInbound(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(string(backend), func(b *testing.B) {
			dbURL, dir := storetest.URL(b, backend)
			s := storetest.OpenURL(b, dbURL, dir)
			org, err := s.CreateOrganization(ctx, "bench", "AR")
			if err != nil {
				b.Fatal(err)
			}
			const phones = 100_000
			numbers := make([]phone.Number, phones)
			for i := range numbers {
				if numbers[i], err = phone.Parse("+549116"+pad7(i), ""); err != nil {
					b.Fatal(err)
				}
			}
			at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
			b.Run("store", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					m := store.InboundMessage{SessionID: "sess_bench", From: numbers[i%phones], At: at.Add(time.Duration(i) * time.Millisecond), Direct: true}
					if err := s.RecordInbound(ctx, org.ID, m); err != nil {
						b.Fatal(err)
					}
				}
			})
			if backend != storetest.Postgres {
				return
			}
			direct, err := pgx.Connect(ctx, dbURL)
			if err != nil {
				b.Fatal(err)
			}
			defer direct.Close(ctx)
			statement := store.RecordInboundStatement()
			b.Run("pgx", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					n, t := numbers[i%phones], at.Add(time.Duration(i)*time.Millisecond)
					if _, err := direct.Exec(ctx, statement, org.ID, n.MatchKey, "sess_bench", n.E164, t, t); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func pad7(i int) string {
	s := []byte("0000000")
	for j := 6; j >= 0 && i > 0; j-- {
		s[j] = byte('0' + i%10)
		i /= 10
	}
	return string(s)
}
