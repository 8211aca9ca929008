package store

import "context"

// ContactPages walks the whole result of a query a page at a time, in the query's order, so
// that a caller can hand out every match (an export of a million contacts) while holding no
// more than one page: each page is a QueryContacts that starts after the last contact of the
// previous one, with the same guarantees as paging by hand (no contact twice; none missing
// that stayed where it sorts throughout). It is not a snapshot: each page reads the table as
// it is then.
type ContactPages struct {
	store *Store
	org   string
	query ContactQuery
	size  int
	after *ContactPosition
	done  bool
}

// ContactPages starts a walk over the organization's contacts that match q, size at a time.
// Nothing is read until Next.
func (s *Store) ContactPages(orgID string, q ContactQuery, size int) *ContactPages {
	return &ContactPages{store: s, org: orgID, query: q.Normalized(), size: size}
}

// Next is the next page: at most size contacts, never empty while more follow; nil (and no
// error) once the walk is over. Its errors are QueryContacts': EINVALID for a bad query or a
// size under 1, which the first call reports before any contact is read.
func (p *ContactPages) Next(ctx context.Context) ([]Contact, error) {
	if p.done {
		return nil, nil
	}
	page, err := p.store.QueryContacts(ctx, p.org, p.query, p.after, p.size, false)
	if err != nil {
		return nil, err
	}
	n := len(page.Contacts)
	if !page.More {
		p.done = true
	}
	if n == 0 {
		return nil, nil
	}
	last := PositionOf(page.Contacts[n-1], p.query.Sort)
	p.after = &last
	return page.Contacts, nil
}
