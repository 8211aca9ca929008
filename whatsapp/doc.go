// Package whatsapp is wagate's adapter over go.mau.fi/whatsmeow.
//
//   - Devices: whatsmeow's device store in wagate's own database.
//   - Manager: the organizations' sessions, one live client each on the service's lifetime,
//     their state (Next) recorded as whatsmeow's events arrive, reconnects (Backoff), pairing
//     by QR code or phone code, logout.
//   - Lookups: the live checks and about lookups, limited per session, cached per
//     organization in the database, each with a timeout.
//   - Live: the narrow interface of a live client the rest goes through, which
//     *whatsmeow.Client satisfies; whatsapptest fakes it with no network.
//
// Nothing above this package imports whatsmeow, and this package knows nothing of HTTP: its
// errors name their kinds, which the API maps to answers in one table.
package whatsapp
