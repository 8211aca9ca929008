package main

import (
	"fmt"
	"io"

	"github.com/wagate/wagate/client"
)

// reportedFailedRows is how many failed rows the report lists; the record holds more.
const reportedFailedRows = 20

// writeImportReport prints the import's record for people, and returns its verdict when it is
// not a success (the import failed, or rows did), which is also the report's last line.
func writeImportReport(w io.Writer, imp client.Import) (verdict string) {
	fmt.Fprintf(w, "import %s: %s\n", imp.Id, imp.Status)
	how := "existing"
	if imp.ListCreated {
		how = "created by this import"
	}
	fmt.Fprintf(w, "list: %d %q (%s)\n", imp.ContactListId, imp.ContactListName, how)
	fmt.Fprintf(w, "rows read: %d\n", imp.RowsRead)
	fmt.Fprintf(w, "created %d, updated %d, unchanged %d, skipped %d, failed %d\n",
		imp.Created, imp.Updated, imp.Unchanged, imp.Skipped, imp.Failed)

	if len(imp.FailedRows) > 0 {
		fmt.Fprintln(w, "failed rows:")
		shown := imp.FailedRows[:min(len(imp.FailedRows), reportedFailedRows)]
		for _, r := range shown {
			fmt.Fprintf(w, "  %s\n", failedRow(r))
		}
		if more := int64(len(imp.FailedRows)-len(shown)) + imp.FailedRowsOmitted; more > 0 {
			fmt.Fprintf(w, "  and %d more: GET /api/v1/imports/%s lists the first 1,000\n", more, imp.Id)
		}
	}

	switch {
	case imp.Status == client.ImportStatusFailed:
		reason, err := imp.Error.Get()
		if err != nil || reason == "" {
			reason = "the server gave no reason"
		}
		verdict = "import failed: " + reason
	case imp.Status != client.ImportStatusSucceeded:
		// The answer comes once the import has ended; anything else is a server to report.
		verdict = fmt.Sprintf("the server answered before the import ended (status %s)", imp.Status)
	case imp.Failed > 0:
		verdict = fmt.Sprintf("rows failed: %d of %d rows read; the others were applied", imp.Failed, imp.RowsRead)
	default:
		fmt.Fprintf(w, "imported: %d rows\n", imp.RowsRead)
		return ""
	}
	fmt.Fprintln(w, verdict)
	return verdict
}

// failedRow is one failed row: where it is in the file, the field at fault and why.
func failedRow(r client.ImportRowError) string {
	at := fmt.Sprintf("row %d", r.Row)
	if r.Line > 0 { // 0 in a JSON array, whose rows have no line of their own
		at += fmt.Sprintf(" (line %d)", r.Line)
	}
	if field, err := r.Field.Get(); err == nil && field != "" {
		at += " " + field
	}
	return at + ": " + r.Reason
}
