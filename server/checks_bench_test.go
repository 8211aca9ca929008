package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/phone"
)

// BenchmarkCheckCached is GET /api/v1/sessions/{id}/contacts/check answered from the
// organization's cache, on each engine, over loopback HTTP with keep-alive connections from
// 16 concurrent clients, through the whole server: middleware, authentication (its cache),
// validation, the running session (from memory), the limiter (not reached: cached answers
// cost no token), the cache's row, the answer. Its twin, baseline, is a bare net/http handler
// doing the same read through the same store and writing the same answer: the difference is
// what wagate's stack costs per check. Both report checks/s.
func BenchmarkCheckCached(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(string(backend), func(b *testing.B) {
			f := newCheckBench(b, backend)
			b.Run("wagate", func(b *testing.B) { f.drive(b, f.wagate) })
			b.Run("baseline", func(b *testing.B) { f.drive(b, f.baseline) })
		})
	}
}

type checkBench struct {
	s                *store.Store
	key, org, sessID string
	wagate, baseline string // the URLs of one check on each server
}

const benchPhone = "+5492235961983"

func newCheckBench(b *testing.B, backend storetest.Backend) *checkBench {
	s := storetest.Open(b, backend)
	wa := newWAFake()
	wa.has("", benchPhone)
	cfg := server.Config{Store: s, Sessions: newManager(b, s, wa, nil)}
	cfg.Lookups = must(whatsapp.NewLookups(generousLookups(&cfg)))
	e := must(server.New(b.Context(), cfg))
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)

	org := must(s.CreateOrganization(ctx, "acme", "AR"))
	_, key, err := s.CreateAPIKey(ctx, org.ID, store.NewAPIKey{Name: "bench", Capabilities: []store.Capability{store.Read}})
	if err != nil {
		b.Fatal(err)
	}
	sess := must(s.CreateSession(ctx, org.ID, "bench"))
	must(cfg.Sessions.Connect(ctx, org.ID, sess.ID))
	deadline := time.Now().Add(10 * time.Second)
	for _, err := cfg.Sessions.Live(ctx, org.ID, sess.ID); err != nil; _, err = cfg.Sessions.Live(ctx, org.ID, sess.ID) {
		if time.Now().After(deadline) {
			b.Fatalf("the session did not connect: %v", err)
		}
		time.Sleep(time.Millisecond)
	}

	base := httptest.NewServer(baselineCheck(s))
	b.Cleanup(base.Close)
	query := "?phone=" + url.QueryEscape(benchPhone)
	f := &checkBench{s: s, key: key, org: org.ID, sessID: sess.ID,
		wagate:   srv.URL + "/api/v1/sessions/" + sess.ID + "/contacts/check" + query,
		baseline: base.URL + "/check?org=" + org.ID + "&session=" + sess.ID + "&key=" + must(phone.Parse(benchPhone, "")).MatchKey}
	// The first check asks the fake and fills the cache; every later one is a hit.
	if got := f.get(b, f.wagate); got.Cached {
		b.Fatal("the first check was cached")
	}
	if got := f.get(b, f.wagate); !got.Cached || !got.IsOnWhatsApp {
		b.Fatalf("the second check: %+v", got)
	}
	if got := f.get(b, f.baseline); !got.Cached || !got.IsOnWhatsApp {
		b.Fatalf("the baseline: %+v", got)
	}
	return f
}

type checkAnswer struct {
	IsOnWhatsApp bool   `json:"isOnWhatsApp"`
	Jid          string `json:"jid"`
	Cached       bool   `json:"cached"`
}

func (f *checkBench) get(b *testing.B, u string) checkAnswer {
	req := must(http.NewRequest(http.MethodGet, u, nil))
	req.Header.Set("X-API-Key", f.key)
	resp := must(http.DefaultClient.Do(req))
	defer resp.Body.Close()
	var a checkAnswer
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&a) != nil {
		b.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return a
}

// drive runs checks of u from 16 concurrent keep-alive clients and reports checks/s.
func (f *checkBench) drive(b *testing.B, u string) {
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}
	b.SetParallelism(8) // × GOMAXPROCS (2 here): 16 clients
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := must(http.NewRequest(http.MethodGet, u, nil))
		req.Header.Set("X-API-Key", f.key)
		for pb.Next() {
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET %s: %d", u, resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}

// baselineCheck answers a check as wagate does when its cache holds the answer and the
// session runs (its client and organization are in memory), with nothing around it: the
// cache's row, the JSON.
func baselineCheck(s *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		org, key := q.Get("org"), q.Get("key")
		hits, err := s.CachedChecks(r.Context(), org, []string{key}, time.Now())
		hit, ok := hits[key]
		if err != nil || !ok {
			http.Error(w, "not cached", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"isOnWhatsApp": hit.OnWhatsApp, "jid": hit.JID, "query": benchPhone,
			"phone": hit.Phone, "lid": nil, "checkedAt": hit.CheckedAt, "cached": true})
	})
}
