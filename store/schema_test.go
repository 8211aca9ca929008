package store_test

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wagate/wagate/store"
)

// dbSchema is what the migrations left in a database, read from its catalog and spelled the
// same way for both engines: tables, columns (type family and nullability), primary keys,
// indexes and foreign keys. goose's table, SQLite's own and whatsmeow's are left out.
type dbSchema map[string]*dbTable

type dbTable struct {
	columns     map[string]dbColumn
	primaryKey  string   // its columns, "a, b"
	indexes     []string // "index NAME (a, b desc)", "unique index NAME (…)", or "unique (…)" for a constraint's
	foreignKeys []string // "(a, b) references t (c, d) on delete cascade"
}

type dbColumn struct {
	family  string // integer, text, timestamp, blob…: see typeFamily
	notNull bool
}

// lines spells the schema out one fact per line, sorted, for comparing and for messages.
func (s dbSchema) lines() []string {
	var out []string
	for name, t := range s {
		out = append(out, "table "+name)
		for c, col := range t.columns {
			null := "null"
			if col.notNull {
				null = "not null"
			}
			out = append(out, fmt.Sprintf("%s: column %s %s %s", name, c, col.family, null))
		}
		if t.primaryKey != "" {
			out = append(out, fmt.Sprintf("%s: primary key (%s)", name, t.primaryKey))
		}
		for _, ix := range t.indexes {
			out = append(out, name+": "+ix)
		}
		for _, fk := range t.foreignKeys {
			out = append(out, name+": foreign key "+fk)
		}
	}
	slices.Sort(out)
	return out
}

// typeFamily names a column type the way both engines can agree on. JSON is text: SQLite keeps
// it in TEXT columns. An unknown type is spelled as it is, which compares unequal and says so.
func typeFamily(declared string) string {
	t := strings.ToLower(strings.TrimSpace(declared))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "integer", "int", "bigint", "smallint", "int2", "int4", "int8":
		return "integer"
	case "text", "character varying", "varchar", "character", "char", "json", "jsonb":
		return "text"
	case "timestamp", "timestamp with time zone", "timestamp without time zone", "timestamptz", "datetime":
		return "timestamp"
	case "bytea", "blob":
		return "blob"
	case "boolean", "bool":
		return "boolean"
	case "real", "double precision", "float", "double", "numeric", "decimal":
		return "number"
	}
	return "unknown type " + declared
}

// readSchema reads the schema of the store's database (on PostgreSQL, of its current schema).
func readSchema(t *testing.T, s *store.Store) dbSchema {
	t.Helper()
	var (
		out dbSchema
		err error
	)
	if s.Dialect() == store.Postgres {
		out, err = readPostgresSchema(s.DB())
	} else {
		out, err = readSQLiteSchema(s.DB())
	}
	if err != nil {
		t.Fatalf("read the %s schema: %v", s.Dialect(), err)
	}
	delete(out, store.MigrationTable)
	// whatsmeow's tables are its own schema, versioned by its own table and upgraded by the
	// whatsapp package, not twins of ours: the drift tests hold only wagate's migrations.
	for name := range out {
		if strings.HasPrefix(name, "whatsmeow_") {
			delete(out, name)
		}
	}
	return out
}

func readPostgresSchema(db *sql.DB) (dbSchema, error) {
	out := dbSchema{}
	table := func(name string) *dbTable {
		if out[name] == nil {
			out[name] = &dbTable{columns: map[string]dbColumn{}}
		}
		return out[name]
	}
	err := queryEach(db, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`, func(scan func(...any) error) error {
		var name string
		err := scan(&name)
		table(name)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = queryEach(db, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO'
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema()`, func(scan func(...any) error) error {
		var tbl, name, typ string
		var notNull bool
		err := scan(&tbl, &name, &typ, &notNull)
		table(tbl).columns[name] = dbColumn{typeFamily(typ), notNull}
		return err
	})
	if err != nil {
		return nil, err
	}
	// Indexes with their key columns in order, "desc" where descending (indoption bit 0).
	// Indexes that back a primary key or unique constraint are the constraint's own, named by
	// each engine its own way: they are compared by their columns alone.
	err = queryEach(db, `SELECT t.relname, i.relname, ix.indisunique, ix.indisprimary,
		  EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid AND k.contype IN ('p', 'u')),
		  ix.indpred IS NOT NULL,
		  COALESCE((SELECT string_agg(a.attname || CASE WHEN ix.indoption[k.ord - 1] & 1 = 1 THEN ' desc' ELSE '' END, ', ' ORDER BY k.ord)
		    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
		    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
		    WHERE k.ord <= ix.indnkeyatts), '')
		FROM pg_index ix
		JOIN pg_class i ON i.oid = ix.indexrelid
		JOIN pg_class t ON t.oid = ix.indrelid
		WHERE t.relnamespace = current_schema()::regnamespace AND t.relkind = 'r'`, func(scan func(...any) error) error {
		var tbl, name, cols string
		var unique, primary, constraint, partial bool
		if err := scan(&tbl, &name, &unique, &primary, &constraint, &partial, &cols); err != nil {
			return err
		}
		addIndex(table(tbl), name, cols, unique, primary, constraint, partial)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, queryEach(db, `SELECT cl.relname,
		  (SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(n, ord)
		    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
		  rf.relname,
		  (SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(n, ord)
		    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n),
		  c.confdeltype::text
		FROM pg_constraint c
		JOIN pg_class cl ON cl.oid = c.conrelid
		JOIN pg_class rf ON rf.oid = c.confrelid
		WHERE c.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace`, func(scan func(...any) error) error {
		var tbl, from, ref, to, onDelete string
		if err := scan(&tbl, &from, &ref, &to, &onDelete); err != nil {
			return err
		}
		action := map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}[onDelete]
		table(tbl).foreignKeys = append(table(tbl).foreignKeys, foreignKey(from, ref, to, action))
		return nil
	})
}

func readSQLiteSchema(db *sql.DB) (dbSchema, error) {
	out := dbSchema{}
	var names []string
	err := queryEach(db, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`,
		func(scan func(...any) error) error {
			var name string
			err := scan(&name)
			names = append(names, name)
			return err
		})
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		t := &dbTable{columns: map[string]dbColumn{}}
		out[name] = t
		var pk []string
		err := queryEach(db, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY pk`, func(scan func(...any) error) error {
			var col, typ string
			var notNull bool
			var pkOrder int
			if err := scan(&col, &typ, &notNull, &pkOrder); err != nil {
				return err
			}
			// A primary key column holds no NULL in either engine, whatever SQLite's pragma says
			// of an INTEGER PRIMARY KEY (the rowid).
			t.columns[col] = dbColumn{typeFamily(typ), notNull || pkOrder > 0}
			if pkOrder > 0 {
				pk = append(pk, col)
			}
			return nil
		}, name)
		if err != nil {
			return nil, err
		}
		t.primaryKey = strings.Join(pk, ", ")

		type index struct {
			name, origin    string
			unique, partial bool
		}
		var indexes []index
		err = queryEach(db, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, func(scan func(...any) error) error {
			var ix index
			err := scan(&ix.name, &ix.unique, &ix.origin, &ix.partial)
			indexes = append(indexes, ix)
			return err
		}, name)
		if err != nil {
			return nil, err
		}
		for _, ix := range indexes {
			var cols []string
			err := queryEach(db, `SELECT name, "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`, func(scan func(...any) error) error {
				var col sql.NullString // NULL for an expression
				var desc bool
				if err := scan(&col, &desc); err != nil {
					return err
				}
				if desc {
					col.String += " desc"
				}
				cols = append(cols, col.String)
				return nil
			}, ix.name)
			if err != nil {
				return nil, err
			}
			addIndex(t, ix.name, strings.Join(cols, ", "), ix.unique, ix.origin == "pk", ix.origin != "c", ix.partial)
		}
	}
	// Foreign keys after every table's primary key is known: a key that names no columns
	// references the other table's primary key.
	for _, name := range names {
		t := out[name]
		fks := map[int]*[4]string{} // id → from, table, to, on delete
		var ids []int
		err = queryEach(db, `SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, func(scan func(...any) error) error {
			var id int
			var ref, from, onDelete string
			var to sql.NullString // NULL when the key names no columns: the referenced primary key
			if err := scan(&id, &ref, &from, &to, &onDelete); err != nil {
				return err
			}
			fk := fks[id]
			if fk == nil {
				fk = &[4]string{"", ref, "", strings.ToLower(onDelete)}
				fks[id] = fk
				ids = append(ids, id)
			}
			fk[0] = joinCol(fk[0], from)
			if !to.Valid && out[ref] != nil {
				to.String = out[ref].primaryKey
			}
			fk[2] = joinCol(fk[2], to.String)
			return nil
		}, name)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			fk := fks[id]
			t.foreignKeys = append(t.foreignKeys, foreignKey(fk[0], fk[1], fk[2], fk[3]))
		}
	}
	return out, nil
}

// addIndex records an index. A primary key's index is the primary key line already; the
// index of a unique constraint is compared by its columns, as each engine names it its own way.
func addIndex(t *dbTable, name, cols string, unique, primary, constraint, partial bool) {
	var line string
	switch {
	case primary:
		t.primaryKey = cols // SQLite's table_info said so already, and has no index for a rowid key
		return
	case constraint:
		line = "unique (" + cols + ")"
	case unique:
		line = "unique index " + name + " (" + cols + ")"
	default:
		line = "index " + name + " (" + cols + ")"
	}
	if partial {
		line += " partial"
	}
	t.indexes = append(t.indexes, line)
}

func foreignKey(from, ref, to, onDelete string) string {
	return fmt.Sprintf("(%s) references %s (%s) on delete %s", from, ref, to, onDelete)
}

func joinCol(list, col string) string {
	if list == "" || col == "" {
		return list + col
	}
	return list + ", " + col
}

// queryEach runs query and calls fn with each row's Scan.
func queryEach(db *sql.DB, query string, fn func(scan func(...any) error) error, args ...any) error {
	rows, err := db.Query(query, args...)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, query)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
