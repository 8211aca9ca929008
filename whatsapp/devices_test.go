package whatsapp_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.mau.fi/whatsmeow/proto/waAdv"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

var ctx = context.Background()

// upgraded is the device store on s's database and pool, upgraded.
func upgraded(t testing.TB, s *store.Store) *whatsapp.Devices {
	t.Helper()
	d, err := whatsapp.NewDevices(s.Pool(), string(s.Dialect()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// pairedDevice saves a device as pairing would: a JID and an account signature of the
// lengths the schema checks. No network, no phone.
func pairedDevice(t *testing.T, d *whatsapp.Devices, user string) *wastore.Device {
	t.Helper()
	dev := d.New()
	jid := types.JID{User: user, Device: 7, Server: types.DefaultUserServer}
	dev.ID = &jid
	dev.PushName = "Ana"
	dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{}, AccountSignature: make([]byte, 64),
		AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := dev.Save(ctx); err != nil {
		t.Fatalf("save a paired device: %v", err)
	}
	return dev
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestDevicesUpgrade: the device store upgrades to the latest version once, a second time
// does nothing, and wagate's own tables and migrations are untouched beside it.
func TestDevicesUpgrade(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		d, err := whatsapp.NewDevices(s.Pool(), string(s.Dialect()), nil)
		if err != nil {
			t.Fatal(err)
		}
		if from, to, err := d.Upgrade(ctx); err != nil || from != 0 || to != whatsapp.Latest() || to == 0 {
			t.Fatalf("first upgrade: %d → %d, %v; want 0 → %d", from, to, err, whatsapp.Latest())
		}
		if from, to, err := d.Upgrade(ctx); err != nil || from != to || to != whatsapp.Latest() {
			t.Fatalf("second upgrade: %d → %d, %v; want nothing to do at %d", from, to, err, whatsapp.Latest())
		}
		if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
			t.Fatalf("wagate's migrations after the device store's: applied %v, %v", applied, err)
		}
		org, err := s.CreateOrganization(ctx, "Acme", "AR")
		if err != nil {
			t.Fatalf("wagate's tables beside whatsmeow's: %v", err)
		}
		if _, err := s.CreateContactList(ctx, org.ID, store.NewContactList{Name: "friends"}); err != nil {
			t.Fatalf("wagate's tables beside whatsmeow's: %v", err)
		}
		if n := count(t, s.Pool(), "SELECT count(*) FROM whatsmeow_device"); n != 0 {
			t.Fatalf("%d devices in a new store", n)
		}
	})
}

// TestDevicesUpgradeBesideAnotherSchema: on PostgreSQL, whatsmeow's tables in another schema
// of the same database do not stop this schema's upgrade (dbutil looks for its version table
// in every schema).
func TestDevicesUpgradeBesideAnotherSchema(t *testing.T) {
	other := storetest.Open(t, storetest.Postgres) // skips, saying why, without TEST_DATABASE_URL
	upgraded(t, other)
	s := storetest.Open(t, storetest.Postgres)
	d := upgraded(t, s)
	pairedDevice(t, d, "15550001111")
	if n := count(t, s.Pool(), "SELECT count(*) FROM whatsmeow_device"); n != 1 {
		t.Fatalf("%d devices in this schema, want 1", n)
	}
	if n := count(t, other.Pool(), "SELECT count(*) FROM whatsmeow_device"); n != 0 {
		t.Fatalf("%d devices in the other schema, want 0", n)
	}
}

// TestDevicesPairedRoundTrip: a paired device is saved and read back by its JID; deleting it
// removes its per-device rows (contacts here) by cascade, and reading it again is ENOTFOUND.
func TestDevicesPairedRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		d := upgraded(t, s)
		dev := pairedDevice(t, d, "15550001111")
		keep := pairedDevice(t, d, "15550002222")
		contact := types.NewJID("5492235961983", types.DefaultUserServer)
		for _, x := range []*wastore.Device{dev, keep} {
			if _, _, err := x.Contacts.PutPushName(ctx, contact, "Bea"); err != nil {
				t.Fatal(err)
			}
		}

		got, err := d.Get(ctx, *dev.ID)
		if err != nil || got.ID == nil || *got.ID != *dev.ID || got.PushName != "Ana" ||
			got.RegistrationID != dev.RegistrationID || string(got.IdentityKey.Priv[:]) != string(dev.IdentityKey.Priv[:]) {
			t.Fatalf("read back %+v, %v", got, err)
		}
		if info, err := got.Contacts.GetContact(ctx, contact); err != nil || info.PushName != "Bea" {
			t.Fatalf("contact read back %+v, %v", info, err)
		}

		if err := d.Delete(ctx, got); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Get(ctx, *dev.ID); whatsapp.KindOf(err) != whatsapp.ENOTFOUND {
			t.Fatalf("a deleted device: %v, want %s", err, whatsapp.ENOTFOUND)
		}
		if n := count(t, s.Pool(), "SELECT count(*) FROM whatsmeow_contacts WHERE our_jid = $1", dev.ID.String()); n != 0 {
			t.Fatalf("%d contacts of the deleted device remain", n)
		}
		if n := count(t, s.Pool(), "SELECT count(*) FROM whatsmeow_contacts WHERE our_jid = $1", keep.ID.String()); n != 1 {
			t.Fatalf("the other device has %d contacts, want 1", n)
		}
		if _, err := d.Get(ctx, *keep.ID); err != nil {
			t.Fatalf("the other device: %v", err)
		}
	})
}

// TestDevicesLIDMap: the LID map answers both ways, and outlives a device's deletion (it is
// the container's, not a device's).
func TestDevicesLIDMap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		d := upgraded(t, s)
		dev := pairedDevice(t, d, "15550001111")
		pn := types.NewJID("5492235961983", types.DefaultUserServer)
		lid := types.NewJID("123456789012345", types.HiddenUserServer)
		if err := d.LIDs().PutLIDMapping(ctx, lid, pn); err != nil {
			t.Fatal(err)
		}
		if err := d.Delete(ctx, dev); err != nil {
			t.Fatal(err)
		}
		fresh := upgraded(t, s) // a new container: no cache, the database answers
		if got, err := fresh.LIDs().GetPNForLID(ctx, lid); err != nil || got != pn {
			t.Fatalf("PN of %s = %s, %v; want %s", lid, got, err, pn)
		}
		if got, err := fresh.LIDs().GetLIDForPN(ctx, pn); err != nil || got != lid {
			t.Fatalf("LID of %s = %s, %v; want %s", pn, got, err, lid)
		}
		if got, err := fresh.LIDs().GetLIDForPN(ctx, types.NewJID("15559999999", types.DefaultUserServer)); err != nil || !got.IsEmpty() {
			t.Fatalf("LID of an unknown number = %s, %v; want none", got, err)
		}
	})
}

// TestNewDevicesRefusesOtherEngines: an engine whatsmeow does not know is an error, not
// sqlstore's panic.
func TestNewDevicesRefusesOtherEngines(t *testing.T) {
	if _, err := whatsapp.NewDevices(nil, "mysql", nil); err == nil || !strings.Contains(err.Error(), "mysql") {
		t.Fatalf("mysql: %v", err)
	}
}

// TestDevicesConcurrentWrites: whatsmeow writes from many goroutines at once (each session's
// contacts and LID mappings as messages arrive, a new device saved as it pairs); on wagate's
// pool none of them fails with SQLite's "database is locked", as they do on a pool without a
// busy timeout and immediate transactions (tried: the second device's save fails there).
func TestDevicesConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		d := upgraded(t, s)
		const writers, each = 8, 25
		errs := make(chan error, writers*each*2)
		var wg sync.WaitGroup
		for w := range writers {
			dev := pairedDevice(t, d, fmt.Sprintf("1555000%04d", w)) // while the others write
			wg.Go(func() {
				for i := range each {
					user := types.NewJID(fmt.Sprintf("549223%03d%04d", w, i), types.DefaultUserServer)
					if _, _, err := dev.Contacts.PutPushName(ctx, user, "n"); err != nil {
						errs <- err
					}
					lid := types.NewJID(fmt.Sprintf("9%03d%010d", w, i), types.HiddenUserServer)
					if err := d.LIDs().PutLIDMapping(ctx, lid, user); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent write: %v", err)
		}
		if n := count(t, s.Pool(), "SELECT count(*) FROM whatsmeow_contacts"); n != writers*each {
			t.Fatalf("%d contacts stored, want %d", n, writers*each)
		}
		if n := count(t, s.Pool(), "SELECT count(*) FROM whatsmeow_lid_map"); n != writers*each {
			t.Fatalf("%d LID mappings stored, want %d", n, writers*each)
		}
	})
}

// TestDevicesUpgradeTogether: processes that start together on one PostgreSQL database
// upgrade the device store once between them, and none fails.
func TestDevicesUpgradeTogether(t *testing.T) {
	dbURL, _ := storetest.URL(t, storetest.Postgres) // skips, saying why, without TEST_DATABASE_URL
	var stores []*store.Store
	for range 4 {
		stores = append(stores, storetest.OpenURL(t, dbURL, ""))
	}
	errs := make(chan error, len(stores))
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Go(func() {
			d, err := whatsapp.NewDevices(s.Pool(), string(s.Dialect()), nil)
			if err == nil {
				_, _, err = d.Upgrade(ctx)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("an upgrade beside others: %v", err)
		}
	}
	if n := count(t, stores[0].Pool(), "SELECT count(*) FROM whatsmeow_version"); n != 1 {
		t.Fatalf("%d version rows, want 1", n)
	}
}
