package store

import (
	"strings"

	"github.com/ncruces/go-sqlite3"
)

// foldFunction is the SQL function that lower-cases the seen-contacts search text and the
// searched-for q alike, on each engine: PostgreSQL's lower() knows every script (in the
// database's locale), SQLite's only ASCII, so SQLite gets wagate_fold, Go's strings.ToLower.
func (s *Store) foldFunction() string {
	if s.dialect == SQLite {
		return "wagate_fold"
	}
	return "lower"
}

// Every SQLite connection of the process gets wagate_fold, whoever opens it: the store's pool
// opens its connections through database/sql, out of reach of a per-connection hook. A name
// of wagate's own changes nothing for anybody else's SQL.
func init() {
	sqlite3.AutoExtension(func(c *sqlite3.Conn) error {
		return c.CreateFunction("wagate_fold", 1, sqlite3.DETERMINISTIC|sqlite3.INNOCUOUS, func(ctx sqlite3.Context, arg ...sqlite3.Value) {
			if arg[0].Type() == sqlite3.NULL {
				ctx.ResultNull()
				return
			}
			ctx.ResultText(strings.ToLower(arg[0].Text()))
		})
	})
}
