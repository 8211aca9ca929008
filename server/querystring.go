package server

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// strictQuery refuses, with a 400 naming each parameter at fault, a query string that the
// layers after it would read as something else than what was sent:
//
//   - a malformed %-escape or a ';' in a pair: url.URL.Query, which Echo, kin-openapi and the
//     generated wrappers all read, drops such a pair without a word, so "?limit=%" became
//     "no limit";
//   - an empty value where the spec does not allow one (allowEmptyValue is false by default):
//     kin-openapi reads "limit=" as absent and writes the default into the query, and passes
//     "cursor=" on as an empty string;
//   - a parameter given more than once where it takes one value: kin-openapi validates the
//     first non-empty one (the generated wrapper refuses it only after validation);
//   - a parameter the operation does not take: a misspelt "?limt=10" would otherwise be a
//     page of 50.
//
// What a value must be (an integer from 1 to 200, a pattern) is still the validator's to say.
func strictQuery(ops operations) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.URL.RawQuery == "" || !strings.HasPrefix(req.URL.Path, "/api/") {
				return next(c)
			}
			op := ops.of(c)
			if op == nil {
				return next(c) // no such operation: the validator answers 404 or 405
			}
			if problems, total := queryProblems(req.URL.RawQuery, op.query); total > 0 {
				ae := invalid(problems...)
				if total > len(problems) {
					ae.Message += fmt.Sprintf("; %d problems in all, of which details.fields lists the first %d", total, len(problems))
				}
				return ae
			}
			return next(c)
		}
	}
}

// maxQueryProblems bounds the problems a 400 lists: a query string of thousands of unknown
// pairs ("a&a&a…") would otherwise be answered with fifty times its size, each pair's problem
// worded in full.
const maxQueryProblems = 20

// queryProblems reads a raw query string pair by pair, as url.ParseQuery does, but reports
// what ParseQuery drops, against the query parameters an operation declares. It returns the
// first maxQueryProblems problems, and how many there are in all.
func queryProblems(raw string, declared map[string]*openapi3.Parameter) (problems []fieldError, total int) {
	report := func(f fieldError) {
		if total++; total <= maxQueryProblems {
			problems = append(problems, f)
		}
	}
	var unknown string // worded at the first unknown name: most query strings have none
	count := map[string]int{}
	var order []string // names in the order they first appear, for stable answers
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue // "a=1&&b=2": no parameter at all, as url.ParseQuery reads it
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			report(fieldError{Field: rawName, In: "query", Message: "has a malformed %-escape in its name (write a literal % as %25)"})
			continue
		}
		if strings.Contains(pair, ";") {
			report(fieldError{Field: name, In: "query", Message: "contains ';', which does not separate parameters: separate them with '&', and write a literal ';' as %3B"})
			continue
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			report(fieldError{Field: name, In: "query", Message: "has a malformed %-escape in its value (write a literal % as %25)"})
			continue
		}
		p, ok := declared[name]
		if !ok {
			if unknown == "" {
				unknown = unknownParameter(declared)
			}
			report(fieldError{Field: name, In: "query", Message: unknown})
			continue
		}
		if value == "" && !p.AllowEmptyValue {
			report(fieldError{Field: name, In: "query", Message: "must not be empty"})
			continue
		}
		if count[name] == 0 {
			order = append(order, name)
		}
		count[name]++
	}
	for _, name := range order {
		if n := count[name]; n > 1 && !takesMany(declared[name]) {
			report(fieldError{Field: name, In: "query", Message: fmt.Sprintf("is given %d times; give it once", n)})
		}
	}
	return problems, total
}

// unknownParameter words the problem of a parameter the operation does not take.
func unknownParameter(declared map[string]*openapi3.Parameter) string {
	if len(declared) == 0 {
		return "is not a parameter of this operation, which takes none"
	}
	names := make([]string, 0, len(declared))
	for name := range declared {
		names = append(names, name)
	}
	slices.Sort(names)
	return "is not a parameter of this operation, which takes " + strings.Join(names, ", ")
}

// takesMany says whether a query parameter may be repeated: an array exploded into one pair
// per item ("?tag=a&tag=b", the default form style).
func takesMany(p *openapi3.Parameter) bool {
	if p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is(openapi3.TypeArray) {
		return false
	}
	sm, err := p.SerializationMethod()
	return err == nil && sm.Explode
}
