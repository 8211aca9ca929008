// Package whatsapp is wagate's adapter over go.mau.fi/whatsmeow: the device store in
// wagate's own database, the narrow interface of a live client, and the adapter's errors.
// Nothing above this package imports whatsmeow, and this package knows nothing of HTTP: its
// errors name their kinds, which the API maps to answers in one table.
package whatsapp
