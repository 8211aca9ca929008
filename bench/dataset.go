package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// dataset describes the data the benchmark loads. Every row is a pure function of its index
// and the anchor time, so a run that finds the data loaded knows exactly what is there.
type dataset struct {
	contacts int // contact rows
	lists    int
	// phones is how many distinct phones the contacts use. The rest of the contacts repeat one
	// of them in another list (the same person in two lists), which is what the lookup's
	// "most recently changed contact" ordering is for.
	phones int
	// strangers are phones in no list, numbered after the contacts' phones. Some have reply
	// records: a reply belongs to the phone, so the lookup reports it even when found is false.
	strangers int
}

func newDataset(contacts, lists int) dataset {
	d := dataset{contacts: contacts, lists: lists, phones: contacts, strangers: max(contacts/20, 1)}
	if lists > 1 {
		d.phones = contacts - contacts/20 // 5% of the contacts are a phone's second list
		if d.phones%repeatStride == 0 {
			d.phones-- // keep repeats one per phone (see contactAt)
		}
	}
	return d
}

// spec names the data set in bench_meta. A run reuses the loaded data only when it matches;
// bump the version whenever the generator changes.
func (d dataset) spec() string {
	return fmt.Sprintf("wagate-bench v2: %d contacts in %d lists, %d distinct phones, %d strangers, %d tags, %d categories",
		d.contacts, d.lists, d.phones, d.strangers, len(tagPool), len(categories))
}

// allPhones is how many phones the generator hands out: the contacts' and the strangers'.
func (d dataset) allPhones() int { return d.phones + d.strangers }

// mix is SplitMix64's finalizer: the per-row randomness, deterministic in (index, salt).
func mix(k int, salt uint64) uint64 {
	z := uint64(k)*0x9E3779B97F4A7C15 + salt
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// between is a duration in [lo, hi) drawn from h.
func between(h uint64, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(h%uint64(hi-lo))
}

const day = 24 * time.Hour

// repeatStride scatters the phones that sit in a second list over all phones.
const repeatStride = 7919

// contact is one row of the contacts table, as the loader writes it.
type contact struct {
	list                                 int // index into the organization's lists
	num                                  argNumber
	fullName, firstName, lastName, email *string
	source, category, status, campaignID *string
	lastCallStatus, lastCallFeedback     *string
	notes                                *string
	lastCallAt                           *time.Time
	lastCallDuration                     *int32
	tags, metadata                       []byte // JSON
	tagList                              []string
	createdAt, updatedAt                 time.Time
}

var (
	firstNames = []string{"Sofía", "Martina", "Lucía", "Valentina", "Camila", "Julieta", "Florencia",
		"Agustina", "Mateo", "Santiago", "Juan", "Benjamín", "Tomás", "Lautaro", "Nicolás", "Facundo",
		"María", "Carlos", "Jorge", "Ana", "Diego", "Gabriela", "Pablo", "Lorena"}
	lastNames = []string{"González", "Rodríguez", "Gómez", "Fernández", "López", "Díaz", "Martínez",
		"Pérez", "García", "Sánchez", "Romero", "Sosa", "Álvarez", "Torres", "Ruiz", "Ramírez",
		"Flores", "Benítez", "Acosta", "Medina", "Herrera", "Suárez", "Aguirre", "Giménez"}
	asciiLastNames = []string{"gonzalez", "rodriguez", "gomez", "fernandez", "lopez", "diaz", "martinez",
		"perez", "garcia", "sanchez", "romero", "sosa", "alvarez", "torres", "ruiz", "ramirez",
		"flores", "benitez", "acosta", "medina", "herrera", "suarez", "aguirre", "gimenez"}
	domains    = []string{"gmail.com", "hotmail.com", "yahoo.com.ar", "outlook.com", "fibertel.com.ar"}
	sources    = []string{"csv import", "web form", "api", "whatsapp click-to-chat", "referral", "trade show"}
	categories = []string{"retail", "wholesale", "b2b", "government", "education", "health", "agro",
		"hospitality", "logistics", "services"}
	statuses = []string{"new", "contacted", "qualified", "customer", "do-not-contact"}
	// tagPool holds the 50 tags of issue 9's data set: a contact has zero to three of them.
	tagPool = []string{"lead", "customer", "vip", "newsletter", "promo-2025", "churn-risk", "cordoba", "amba",
		"rosario", "mendoza", "la-plata", "mar-del-plata", "tucuman", "salta", "neuquen", "patagonia",
		"hot-lead", "cold-lead", "warm-lead", "follow-up", "demo-booked", "quote-sent", "won", "lost",
		"reactivation", "black-friday", "cyber-monday", "hot-sale", "navidad", "dia-del-padre",
		"dia-de-la-madre", "expo-agro", "webinar", "referral-program", "partner", "reseller",
		"distributor", "sme", "enterprise", "freelancer", "whatsapp-optin", "sms-optin", "email-optin",
		"do-not-call", "spanish", "english", "portuguese", "high-value", "low-value", "beta-tester"}
	callResults = []string{"answered", "no-answer", "busy", "voicemail", "wrong-number"}
	feedbacks   = []string{"interested, call back next week", "asked for a quote by email",
		"not interested for now", "already a customer of a competitor", "wants the WhatsApp catalogue"}
	notes = []string{"prefers WhatsApp over calls", "only mornings", "decision maker is the owner",
		"met at Expo Agro 2025"}
	utmSources = []string{"google", "facebook", "instagram", "newsletter", "organic"}
)

func ptr[T any](v T) *T { return &v }

// contactAt is contact row i. The first d.phones contacts each have their own phone, in list
// phone%lists; the rest repeat a phone of those in a different list.
func (d dataset) contactAt(i int, anchor time.Time) contact {
	k, list := i, i%d.lists
	if i >= d.phones {
		// repeatStride is prime and does not divide d.phones (newDataset sees to it), so each
		// repeated phone is repeated once; the offset 1..lists-1 puts the repeat in another
		// list than the first.
		k = (i - d.phones) * repeatStride % d.phones
		list = (k%d.lists + 1 + i%(d.lists-1)) % d.lists
	}
	h := mix(i, 0xC0DE)
	c := contact{list: list, num: numberAt(k)}
	fi, li := int(h%uint64(len(firstNames))), int(h>>8%uint64(len(lastNames)))
	if h>>16%100 < 95 {
		c.fullName = ptr(firstNames[fi] + " " + lastNames[li])
	}
	if h>>23%100 < 90 {
		c.firstName, c.lastName = ptr(firstNames[fi]), ptr(lastNames[li])
	}
	if h>>30%100 < 60 {
		first := strings.ToLower(strings.NewReplacer("í", "i", "á", "a", "é", "e", "ó", "o", "ú", "u").Replace(firstNames[fi]))
		c.email = ptr(first + "." + asciiLastNames[li] + strconv.Itoa(int(h>>37%100)) + "@" + domains[h>>44%uint64(len(domains))])
	}
	h2 := mix(i, 0xFEED)
	c.source = ptr(sources[h2%uint64(len(sources))])
	if h2>>8%100 < 70 {
		c.category = ptr(categories[h2>>15%uint64(len(categories))])
	}
	c.status = ptr(statuses[h2>>20%uint64(len(statuses))])
	if h2>>26%100 < 40 {
		c.campaignID = ptr(fmt.Sprintf("cmp-2025-%02d", h2>>33%12+1))
	}
	c.tagList = tagsAt(mix(i, 0x7A65))
	c.tags = tagsJSON(c.tagList)

	h3 := mix(i, 0xBEEF)
	c.createdAt = anchor.Add(-between(h3, 30*day, 400*day)).Truncate(time.Microsecond)
	c.updatedAt = c.createdAt.Add(between(h3>>20, 0, 30*day)).Truncate(time.Microsecond)
	if h3>>40%100 < 30 {
		c.lastCallStatus = ptr(callResults[h3>>47%uint64(len(callResults))])
		c.lastCallAt = ptr(c.updatedAt.Add(-between(h3>>7, time.Hour, 20*day)))
		c.lastCallDuration = ptr(int32(h3 >> 13 % 900))
		if h3>>50%2 == 0 {
			c.lastCallFeedback = ptr(feedbacks[h3>>52%uint64(len(feedbacks))])
		}
	}
	if h3>>56%10 == 0 {
		c.notes = ptr(notes[h3>>60%uint64(len(notes))])
	}
	c.metadata = []byte("{}")
	if h3>>33%100 < 80 {
		c.metadata = fmt.Appendf(nil, `{"crm_id": %d, "score": %d, "utm_source": %q}`,
			100000+i, h3>>9%100, utmSources[h3>>17%uint64(len(utmSources))])
	}
	return c
}

// tagsAt is zero to three distinct tags drawn from h: the count in the lowest bits, then 16
// bits per pick, so that taking them modulo the 50 tags favours none by more than a thousandth.
func tagsAt(h uint64) []string {
	n := int(h % 4)
	var out []string
	for j := 0; j < n; j++ {
		t := tagPool[(h>>(4+16*j)&0xFFFF)%uint64(len(tagPool))]
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// tagsJSON is tags as a JSON array, [] when there are none.
func tagsJSON(tags []string) []byte {
	b := []byte{'['}
	for i, t := range tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, t)
	}
	return append(b, ']')
}

// reply is one row of inbound_activity: what a phone last sent to one session.
type reply struct {
	num           argNumber
	session       string
	lastMessageAt time.Time
	lastDirectAt  *time.Time // nil: the phone only wrote in groups
}

// replyKind is what a phone's reply records say at the anchor time.
type replyKind int

const (
	noReply    replyKind = iota
	openWindow           // a direct message within 24 hours: free text allowed
	oldDirect            // direct messages, but the window has closed
	groupOnly            // only group messages: replied, but no window ever
)

// replyKindOf is phone k's reply history: half of the contacts' phones and 30% of the
// strangers have written.
func (d dataset) replyKindOf(k int) replyKind {
	x := mix(k, 0xACE) % 1000
	if k >= d.phones {
		x = x * 5 / 3 // the same split, scaled to 30%
	}
	switch {
	case x < 100:
		return openWindow
	case x < 350:
		return oldDirect
	case x < 500:
		return groupOnly
	}
	return noReply
}

// repliesOf appends phone k's reply records: one session, or two for a fifth of the phones
// that wrote (the second only in groups, longer ago).
func (d dataset) repliesOf(dst []reply, k int, anchor time.Time) []reply {
	kind := d.replyKindOf(k)
	if kind == noReply {
		return dst
	}
	h := mix(k, 0xD1CE)
	num := numberAt(k)
	session := int(h % 3)
	r := reply{num: num, session: sessionName(session)}
	switch kind {
	case openWindow:
		direct := anchor.Add(-between(h>>8, 5*time.Minute, 20*time.Hour))
		r.lastDirectAt, r.lastMessageAt = &direct, direct
	case oldDirect:
		direct := anchor.Add(-between(h>>8, 2*day, 120*day))
		r.lastDirectAt, r.lastMessageAt = &direct, direct.Add(between(h>>30, time.Minute, day))
	case groupOnly:
		r.lastMessageAt = anchor.Add(-between(h>>8, time.Hour, 60*day))
	}
	dst = append(dst, r)
	if h>>50%5 == 0 {
		dst = append(dst, reply{num: num, session: sessionName(session + 1),
			lastMessageAt: r.lastMessageAt.Add(-between(h>>20, day, 30*day))})
	}
	return dst
}

func sessionName(i int) string { return "wa-session-" + strconv.Itoa(i%3+1) }

// replyRows counts the reply records of the whole data set, to check a loaded database.
func (d dataset) replyRows() int {
	var buf []reply
	n := 0
	anchor := time.Unix(0, 0)
	for k := range d.allPhones() {
		buf = d.repliesOf(buf[:0], k, anchor)
		n += len(buf)
	}
	return n
}
