package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"time"
)

// checkResult says whether the two servers answered alike, and like the data set says.
type checkResult struct {
	compared  int
	identical int
	found     int // answers with found: true
	replied   int // answers with hasReplied: true
	windows   int // answers with sessionWindowActive: true
	problems  []string
}

// checkAnswers asks both servers about the first n targets and compares the decoded JSON: a
// throughput ratio only means something if the baseline does the same job. It also checks
// wagate's answers against the generator (found for a contact's phone, not for a stranger's;
// hasReplied and the window as the reply records say), which validates the loaded data.
func checkAnswers(wagate, baseline *server, apiKey string, d dataset, pool []target, n int) (checkResult, error) {
	var res checkResult
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, t := range pool[:min(n, len(pool))] {
		w, err := getJSON(hc, wagate, apiKey, t)
		if err != nil {
			return res, err
		}
		b, err := getJSON(hc, baseline, apiKey, t)
		if err != nil {
			return res, err
		}
		res.compared++
		if reflect.DeepEqual(w, b) {
			res.identical++
		} else if len(res.problems) < 3 {
			res.problems = append(res.problems, fmt.Sprintf("%s: wagate and the baseline differ:\n    wagate:   %v\n    baseline: %v", t.query, w, b))
		}
		found, _ := w["found"].(bool)
		replied, _ := w["hasReplied"].(bool)
		window, _ := w["sessionWindowActive"].(bool)
		kind := d.replyKindOf(t.k)
		wantFound, wantReplied := t.k < d.phones, kind != noReply
		// A window opened within the last 24 hours may have closed since the anchor: accept a
		// closed window where one was open, never an open one that was not.
		if found != wantFound || replied != wantReplied || (window && kind != openWindow) {
			if len(res.problems) < 6 {
				res.problems = append(res.problems, fmt.Sprintf("%s (phone %d): wagate says found=%v hasReplied=%v window=%v, the data set says found=%v hasReplied=%v window=%v",
					t.query, t.k, found, replied, window, wantFound, wantReplied, kind == openWindow))
			}
		}
		res.found += count(found)
		res.replied += count(replied)
		res.windows += count(window)
	}
	return res, nil
}

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

func getJSON(hc *http.Client, s *server, apiKey string, t target) (map[string]any, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+s.addr+lookupPath+"?"+t.query, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-API-Key", apiKey)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d to %s: %.300s", s.name, resp.StatusCode, t.query, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	return m, nil
}
