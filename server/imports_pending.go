package server

// TEMPORARY on the imports branch only, replaced before it merges: lets the package compile
// while the import is built.

import (
	"context"

	"github.com/wagate/wagate/gen"
)

func (h *handlers) ImportContacts(ctx context.Context, req gen.ImportContactsRequestObject) (gen.ImportContactsResponseObject, error) {
	return nil, newError(kindInternal, "import: not built yet")
}

func (h *handlers) ListImports(ctx context.Context, req gen.ListImportsRequestObject) (gen.ListImportsResponseObject, error) {
	return nil, newError(kindInternal, "imports: not built yet")
}

func (h *handlers) GetImport(ctx context.Context, req gen.GetImportRequestObject) (gen.GetImportResponseObject, error) {
	return nil, newError(kindInternal, "import: not built yet")
}
