package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

// BenchmarkHealthzMetrics is a request through the whole middleware without metrics and with
// them: the difference is what counting and timing a request costs.
func BenchmarkHealthzMetrics(b *testing.B) {
	for _, counted := range []bool{false, true} {
		name := map[bool]string{false: "without", true: "with"}[counted]
		b.Run(name, func(b *testing.B) {
			s := storetest.Open(b, storetest.SQLite)
			cfg := server.Config{Store: s, Sessions: newManager(b, s, newWAFake(), nil)}
			cfg.Lookups = must(whatsapp.NewLookups(generousLookups(&cfg)))
			if counted {
				cfg.Metrics = server.NewMetrics(s.Pool())
			}
			e, err := server.New(b.Context(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
