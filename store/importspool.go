package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// importSpool holds an atomic import's checked batches in a temporary file, for an engine
// whose transaction keeps every other writer out (SQLite): the file is read and checked to its
// end first, at the client's pace, with no lock held; the transaction then replays it at the
// database's pace. Memory stays one batch, whatever the file's size.
type importSpool struct {
	f   *os.File
	dec *json.Decoder
}

// spoolImport reads every batch next returns into the spool, counting imp's rows read (and
// recording them, as progress) as it goes. An error of next's stops it, with nothing applied.
func (s *Store) spoolImport(ctx context.Context, imp *Import, next func() (ImportBatch, error)) (*importSpool, error) {
	f, err := os.CreateTemp("", "wagate-import-*.ndjson")
	if err != nil {
		return nil, fmt.Errorf("create the import's spool file: %w", err)
	}
	os.Remove(f.Name()) // gone from the directory now; the space is freed when f closes
	sp := &importSpool{f: f}
	if err := sp.fill(ctx, s, imp, next); err != nil {
		f.Close()
		return nil, err
	}
	return sp, nil
}

func (sp *importSpool) fill(ctx context.Context, s *Store, imp *Import, next func() (ImportBatch, error)) error {
	w := bufio.NewWriterSize(sp.f, 1<<20)
	// JSON, not gob: gob leaves out zero values, and would read a lastCallDuration of 0 (a
	// pointer to zero) back as absent.
	enc := json.NewEncoder(w)
	for {
		b, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := enc.Encode(&b); err != nil {
			return fmt.Errorf("write the import's spool file: %w", err)
		}
		imp.RowsRead += b.Read()
		s.saveProgress(ctx, *imp)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write the import's spool file: %w", err)
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sp.dec = json.NewDecoder(bufio.NewReaderSize(sp.f, 1<<20))
	return nil
}

// next returns the spooled batches in order, then io.EOF.
func (sp *importSpool) next() (ImportBatch, error) {
	var b ImportBatch
	if err := sp.dec.Decode(&b); err != nil {
		if errors.Is(err, io.EOF) {
			return b, io.EOF
		}
		return b, fmt.Errorf("read the import's spool file: %w", err)
	}
	for i := range b.Rows {
		if string(b.Rows[i].Metadata) == "null" { // an absent metadata, as JSON wrote it
			b.Rows[i].Metadata = nil
		}
	}
	return b, nil
}

func (sp *importSpool) close() { sp.f.Close() }
