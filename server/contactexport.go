package server

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

// exportPageSize is how many contacts an export reads at a time, and so about all it holds:
// large enough that a million contacts cost a thousand queries, small enough that a page
// stays around a megabyte.
const exportPageSize = 1000

// ExportContacts streams every match of the listing's filters as CSV or NDJSON. The filters
// are checked, and the first page read, before anything is written: until then a failure is
// the usual envelope. After that the answer is the contactExport's to write.
func (h *handlers) ExportContacts(ctx context.Context, req gen.ExportContactsRequestObject) (gen.ExportContactsResponseObject, error) {
	p := req.Params
	q, err := queryFromParams(contactParams{
		ListID: p.ContactListId, Tag: p.Tag, Category: p.Category, SourceName: p.SourceName,
		LastCallStatus: p.LastCallStatus, Q: p.Q, Sort: p.Sort, Direction: p.Direction,
	})
	if err != nil {
		return nil, err
	}
	pages := h.store.ContactPages(principalFrom(ctx).Org.ID, q, h.exportPageSize)
	first, err := pages.Next(ctx)
	if err != nil {
		return nil, err
	}
	return contactExport{
		ctx: ctx, log: h.log, pages: pages, first: first,
		ndjson: p.Format != nil && *p.Format == gen.ExportContactsParamsFormatNdjson,
	}, nil
}

// contactExport writes the export as it reads it, a page at a time, in the handler's own
// goroutine: no pipe and no second goroutine, so nothing outlives the request. Each page is
// flushed to the client before the next is read.
type contactExport struct {
	ctx    context.Context // the request's: it ends when the client goes
	log    *slog.Logger
	pages  *store.ContactPages
	first  []store.Contact
	ndjson bool
}

func (e contactExport) VisitExportContactsResponse(w http.ResponseWriter) error {
	contentType, name := "text/csv; charset=utf-8", "contacts.csv"
	if e.ndjson {
		contentType, name = "application/x-ndjson", "contacts.ndjson"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)

	buf := bufio.NewWriterSize(w, 64<<10)
	var write func(store.Contact) error
	var flush func() error
	if e.ndjson {
		enc := json.NewEncoder(buf) // Encode ends each object with a newline
		write = func(c store.Contact) error { return enc.Encode(toContactJSON(c)) }
		flush = buf.Flush
	} else {
		cw := csv.NewWriter(buf) // RFC 4180: quotes a cell with a comma, a quote or a line break
		row := make([]string, len(csvColumns))
		write = func(c store.Contact) error {
			for i, col := range csvColumns {
				row[i] = col.cell(c)
			}
			return cw.Write(row)
		}
		flush = func() error {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			return buf.Flush()
		}
		if err := cw.Write(csvHeader); err != nil {
			return e.cut(w, err)
		}
	}
	rc := http.NewResponseController(w)
	// A nil page is the end, after which the header (of an empty export) or the last rows
	// still need flushing.
	for page := e.first; ; {
		for _, c := range page {
			if err := write(c); err != nil {
				return e.cut(w, err)
			}
		}
		if err := flush(); err != nil {
			return e.cut(w, err)
		}
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return e.cut(w, err)
		}
		if page == nil {
			return nil
		}
		var err error
		if page, err = e.pages.Next(e.ctx); err != nil {
			return e.cut(w, err)
		}
	}
}

// cut ends an export that failed after its status went out. Returning normally would end the
// chunked body properly, and the client would take what it got for the whole file; closing
// the connection instead leaves the body unterminated, which every HTTP client reports as an
// error. The failure is logged here: the access log sees a 200.
func (e contactExport) cut(w http.ResponseWriter, err error) error {
	if e.ctx.Err() != nil {
		e.log.InfoContext(e.ctx, "contact export ended: the client went away", "error", err)
	} else {
		e.log.ErrorContext(e.ctx, "contact export cut short", "error", err)
	}
	conn, _, herr := http.NewResponseController(w).Hijack()
	if herr != nil {
		// HTTP/2 has no connection of its own to close: the abort resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
	return nil
}

// csvColumn is one column of the export's CSV: its header, and a contact's cell.
type csvColumn struct {
	header string
	cell   func(store.Contact) string
}

// csvColumns are the contact's fields that files carry (a CSV name in store.ContactFieldList),
// in that list's order: the header the import reads, so that an export re-imports unchanged.
// Built once; a field the list gains without a cell here stops the server from starting (and
// every test with it) rather than export a column of blanks.
var csvColumns, csvHeader = func() ([]csvColumn, []string) {
	var cols []csvColumn
	var header []string
	for _, f := range store.ContactFieldList {
		if f.CSV == "" {
			continue
		}
		cell := contactCell(f.Name)
		if cell == nil {
			panic("server: the CSV export has no cell for the contact field " + f.Name)
		}
		cols = append(cols, csvColumn{header: f.CSV, cell: cell})
		header = append(header, f.CSV)
	}
	return cols, header
}()

// contactCell is how the export spells one field of a contact: numbers in decimal, times in
// RFC 3339 in UTC (to the microsecond the database keeps), tags joined with ';', metadata as
// its JSON object, and an absent value as an empty cell.
func contactCell(name string) func(store.Contact) string {
	text := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	switch name {
	case "ID":
		return func(c store.Contact) string { return strconv.FormatInt(c.ID, 10) }
	case "ListID":
		return func(c store.Contact) string { return strconv.FormatInt(c.ListID, 10) }
	case "ListName":
		return func(c store.Contact) string { return c.ListName }
	case "Phone":
		return func(c store.Contact) string { return c.Phone }
	case "CountryCode":
		return func(c store.Contact) string { return c.CountryCode }
	case "FullName":
		return func(c store.Contact) string { return text(c.FullName) }
	case "FirstName":
		return func(c store.Contact) string { return text(c.FirstName) }
	case "LastName":
		return func(c store.Contact) string { return text(c.LastName) }
	case "Email":
		return func(c store.Contact) string { return text(c.Email) }
	case "Source":
		return func(c store.Contact) string { return text(c.Source) }
	case "Tags":
		return func(c store.Contact) string { return strings.Join(c.Tags, ";") }
	case "Category":
		return func(c store.Contact) string { return text(c.Category) }
	case "Status":
		return func(c store.Contact) string { return text(c.Status) }
	case "CampaignID":
		return func(c store.Contact) string { return text(c.CampaignID) }
	case "LastCallStatus":
		return func(c store.Contact) string { return text(c.LastCallStatus) }
	case "LastCallAt":
		return func(c store.Contact) string {
			if c.LastCallAt == nil {
				return ""
			}
			return at(*c.LastCallAt)
		}
	case "LastCallDuration":
		return func(c store.Contact) string {
			if c.LastCallDuration == nil {
				return ""
			}
			return strconv.FormatInt(int64(*c.LastCallDuration), 10)
		}
	case "LastCallFeedback":
		return func(c store.Contact) string { return text(c.LastCallFeedback) }
	case "Notes":
		return func(c store.Contact) string { return text(c.Notes) }
	case "Metadata":
		return func(c store.Contact) string { return string(c.Metadata) }
	case "CreatedAt":
		return func(c store.Contact) string { return at(c.CreatedAt) }
	case "UpdatedAt":
		return func(c store.Contact) string { return at(c.UpdatedAt) }
	}
	return nil
}
