package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
)

// TestSessionWithoutRouteToWhatsApp runs the real binary, with whatsmeow's own client, on
// this machine, from which WhatsApp cannot be reached: connecting a session answers at once;
// its status then says why it cannot connect and when it retries; the server answers
// everything else meanwhile; disconnect stops the retries, and the server stops cleanly.
func TestSessionWithoutRouteToWhatsApp(t *testing.T) {
	t.Setenv("DRAIN_PERIOD", "0") // the child inherits it: stopping is what is timed here, not the drain
	p := startWagate(t, t.TempDir())
	p.release()
	addr := p.serving(t)
	key := <-p.key
	api, err := client.New("http://"+addr, client.WithAPIKey(key))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sess, err := api.CreateSession(ctx, client.CreateSessionJSONRequestBody{Name: "ventas"})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	sess, err = api.ConnectSession(ctx, sess.Id)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Status != client.SessionStatusConnecting {
		t.Fatalf("connect answered %s: %s", sess.Status, sess.Reason)
	}

	// It retries, saying why, while the server serves everything else.
	deadline := time.Now().Add(time.Minute)
	for sess.Reconnect == nil || sess.Reconnect.Attempt < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no second attempt in a minute; the session is %s: %s", sess.Status, sess.Reason)
		}
		if _, err := api.GetMe(ctx); err != nil {
			t.Fatalf("the server stopped answering while the session retries: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
		if sess, err = api.GetSession(ctx, sess.Id); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("after %s: status %s, attempt %d, next at %s: %s", time.Since(began).Round(time.Millisecond),
		sess.Status, sess.Reconnect.Attempt, sess.Reconnect.NextRetryAt.Format(time.RFC3339), sess.Reason)
	if sess.Status != client.SessionStatusConnecting || !strings.Contains(sess.Reason, "WhatsApp's servers cannot be reached from this machine") ||
		!sess.Reconnect.NextRetryAt.After(sess.StatusChangedAt) {
		t.Fatalf("retrying: %+v", sess)
	}

	// A live lookup needs a connected session: 501, saying why.
	_, err = api.CheckContact(ctx, sess.Id, &client.CheckContactParams{Phone: "+5492235961983"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotImplemented || !strings.Contains(apiErr.Message, "cannot be reached") {
		t.Fatalf("check while unreachable: %v", err)
	}

	sess, err = api.DisconnectSession(ctx, sess.Id)
	if err != nil || sess.Status != client.SessionStatusDisconnected || sess.Reconnect != nil {
		t.Fatalf("disconnect: %+v, %v", sess, err)
	}
	if code := p.stop(t); code != 0 {
		t.Fatalf("wagate exited %d:\n%s", code, p.stderr.String())
	}
}
