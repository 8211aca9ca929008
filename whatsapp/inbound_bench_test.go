package whatsapp_test

import (
	"fmt"
	"testing"
	"time"

	wastore "go.mau.fi/whatsmeow/store"

	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// BenchmarkInboundMessages is the reply path of an offline-sync burst: messages from
// distinct phones through the session's real handlers into the store, one after another as
// whatsmeow hands them (it handles one connection's messages in order), each written before
// it would be acknowledged. It reports messages/s.
func BenchmarkInboundMessages(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(string(backend), func(b *testing.B) {
			s := storetest.Open(b, backend)
			org, err := s.CreateOrganization(ctx, "acme", "AR")
			if err != nil {
				b.Fatal(err)
			}
			made := make(chan *whatsapptest.Client, 1)
			m, err := whatsapp.NewManager(ctx, whatsapp.ManagerConfig{Store: s, Devices: upgraded(b, s),
				NewClient: func(dev *wastore.Device) whatsapp.Live {
					c := whatsapptest.New(dev)
					logsIn(c)
					made <- c
					return c
				}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(m.Close)
			sess, err := s.CreateSession(ctx, org.ID, "burst")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Connect(ctx, org.ID, sess.ID); err != nil {
				b.Fatal(err)
			}
			c := <-made
			for deadline := time.Now().Add(10 * time.Second); !c.IsLoggedIn(); time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					b.Fatal("the session did not log in")
				}
			}
			at := time.Now().Add(-time.Hour)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if !c.Receive(fmt.Sprintf("549116%07d", i%1_000_000), "", at.Add(time.Duration(i)*time.Millisecond)) {
					b.Fatal("a message was not stored")
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "messages/s")
			// Every message was a valid number's, and stored: count them.
			var stored int
			if err := s.Pool().QueryRowContext(ctx, "SELECT count(*) FROM inbound_activity WHERE org_id = $1", org.ID).Scan(&stored); err != nil {
				b.Fatal(err)
			}
			if want := min(i, 1_000_000); stored != want {
				b.Fatalf("%d replies stored of %d messages", stored, want)
			}
		})
	}
}
