package store_test

import (
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestRecordInboundNeedsSessionAndPhone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		wantCode(t, s.RecordInbound(ctx, org.ID, store.InboundMessage{From: mustPhone(t, "+5492235961983"), At: s.Now()}), store.EINVALID)
		wantCode(t, s.RecordInbound(ctx, org.ID, store.InboundMessage{SessionID: "s", At: s.Now()}), store.EINVALID)
	})
}
