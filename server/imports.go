package server

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

const importsListing = "imports"

// ImportContacts reads the file as it arrives (openImport) and hands its batches to the store
// (RunImport), which commits them chunk by chunk: memory stays the same whatever the size.
// The header and the parameters are checked before the import is recorded, so a request that
// could not start leaves no record; after that, every outcome is in the record, and a file that
// fails midway answers the error with the record's id.
func (h *handlers) ImportContacts(ctx context.Context, req gen.ImportContactsRequestObject) (gen.ImportContactsResponseObject, error) {
	org := principalFrom(ctx).Org
	p := req.Params
	spec := store.ImportSpec{
		ListID: deref(p.ContactListId), ListName: deref(p.ContactListName),
		OnConflict: store.ConflictUpdate, Atomic: deref(p.Atomic),
	}
	if p.OnConflict != nil {
		spec.OnConflict = store.OnConflict(*p.OnConflict)
	}
	if (p.ContactListId == nil) == (p.ContactListName == nil) {
		msg := "give the list's id or its name: one of contactListId and contactListName"
		return nil, invalid(fieldError{Field: "contactListId", In: "query", Message: msg}, fieldError{Field: "contactListName", In: "query", Message: msg})
	}
	region, err := requestRegion(p.CountryCode, org.DefaultRegion, "query", "countryCode")
	if err != nil {
		return nil, err
	}
	format, err := importFormatOf(req.ContentType)
	if err != nil {
		return nil, err
	}
	release, err := h.store.ImportSlot(spec.Atomic)
	if err != nil {
		return nil, err
	}
	defer release()
	spec.Format = string(format)
	rows, err := openImport(ctx, req.Body, format, region)
	if err != nil {
		return nil, err
	}
	defer closeImport(ctx, rows)
	imp, err := h.store.StartImport(ctx, org.ID, spec)
	if err != nil {
		return nil, err
	}
	imp, err = h.store.RunImport(ctx, imp, rows.Next)
	if err != nil {
		return nil, importStopped(imp, err)
	}
	return gen.ImportContacts200JSONResponse(toAPIImport(imp)), nil
}

// closeGrace is how long closing an import's reader may wait for a read of the body in
// progress before the upload is cut.
const closeGrace = time.Second

// closeImport stops the import's reader. Its reading goroutine may be inside a read of the
// body: a client still sending lets it return at once, but one that stopped would hold it
// until the connection's (lifted) deadline, so after closeGrace the upload is cut.
func closeImport(ctx context.Context, rows *importReader) {
	closed := make(chan struct{})
	go func() {
		rows.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(closeGrace):
		cutUpload(ctx)
		<-closed
	}
}

// importFormatOf is the file's format from its media type (strictBody has checked that the
// operation takes it).
func importFormatOf(contentType string) (importFormat, error) {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch mediaType {
	case "text/csv":
		return importCSV, nil
	case "application/x-ndjson":
		return importNDJSON, nil
	case "application/json":
		return importJSON, nil
	}
	return "", unsupportedMediaType("Content-Type %s is not supported here; send text/csv, application/x-ndjson or application/json", contentType)
}

// importStopped is the answer to an import that stopped midway, naming its record: the rows
// of the chunks that committed are applied (an atomic import applied none).
func importStopped(imp store.Import, err error) error {
	var fe *importFileError
	var tooLarge *http.MaxBytesError
	var ae *apiError
	switch {
	case errors.As(err, &fe) && fe.TooManyRows:
		ae = newError(kindTooLarge, "%s", fe.Message).with("maxRows", importMaxRows)
	case errors.As(err, &fe):
		ae = newError(kindInvalid, "%s", fe.Message).with("line", fe.Line)
	case errors.As(err, &tooLarge):
		ae = payloadTooLarge(tooLarge.Limit)
	case errors.Is(err, context.Canceled):
		ae = newError(kindUnavailable, "the import stopped: the request ended before it did")
		ae.Disconnected = true
	case store.IsUnavailable(err):
		ae = newError(kindUnavailable, "the database is not reachable; the import stopped, retry later")
	case store.ErrorCode(err) != "": // a list deleted meanwhile (404), writers in the way (503)
		ae = newError(kind(store.ErrorCode(err)), "%s", err.Error())
	default:
		ae = internal(err)
	}
	ae.Cause = err
	if imp.Error != nil && ae.Status != http.StatusInternalServerError {
		ae.Message += "; " + importNote(imp)
	}
	return ae.with("importId", imp.ID)
}

// importNote says what a stopped import left applied.
func importNote(imp store.Import) string {
	if imp.Atomic {
		return "the import was atomic: nothing was applied"
	}
	return "the rows of the chunks that committed are applied, as the import's record counts them"
}

func (h *handlers) GetImport(ctx context.Context, req gen.GetImportRequestObject) (gen.GetImportResponseObject, error) {
	imp, err := h.store.Import(ctx, principalFrom(ctx).Org.ID, req.ImportId)
	if err != nil {
		return nil, err
	}
	return gen.GetImport200JSONResponse(toAPIImport(imp)), nil
}

func (h *handlers) ListImports(ctx context.Context, req gen.ListImportsRequestObject) (gen.ListImportsResponseObject, error) {
	org := principalFrom(ctx).Org.ID
	limit, before, err := h.cursors.position(importsListing, org, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	imports, more, err := h.store.Imports(ctx, org, before, limit)
	if err != nil {
		return nil, err
	}
	page := gen.ListImports200JSONResponse{Items: make([]gen.Import, len(imports))}
	for i, imp := range imports {
		page.Items[i] = toAPIImport(imp)
	}
	if len(imports) > 0 {
		page.NextCursor = h.cursors.next(importsListing, org, imports[len(imports)-1].ID, more)
	}
	return page, nil
}

func toAPIImport(imp store.Import) gen.Import {
	failed := make([]gen.ImportRowError, len(imp.FailedRows))
	for i, r := range imp.FailedRows {
		var field *string
		if r.Field != "" {
			field = &r.Field
		}
		failed[i] = gen.ImportRowError{Row: r.Row, Line: r.Line, Field: null(field), Reason: r.Reason}
	}
	out := gen.Import{
		Id: imp.ID, Status: gen.ImportStatus(imp.Status), ContactListId: imp.ListID,
		ContactListName: imp.ListName, ListCreated: imp.ListCreated, Format: gen.ImportFormat(imp.Format),
		OnConflict: gen.ImportOnConflict(imp.OnConflict), Atomic: imp.Atomic, RowsRead: imp.RowsRead,
		Created: imp.Created, Updated: imp.Updated, Unchanged: imp.Unchanged, Skipped: imp.Skipped,
		Failed: imp.Failed, FailedRows: failed, FailedRowsOmitted: imp.FailedRowsOmitted,
		Error: null(imp.Error), StartedAt: imp.StartedAt, FinishedAt: null(imp.FinishedAt),
	}
	return out
}
