package shop

import (
	"fmt"
	"time"
)

// Why the webhook receiver refused a notification before reading it: its
// signature could not be verified (the receiver maps the verifier's errors
// to these; anything else counts as UnverifiedSignature).
const (
	UnverifiedSignature = "signature" // the signature does not match
	UnverifiedTooOld    = "too_old"   // the timestamp is more than 5 minutes old
	UnverifiedTooNew    = "too_new"   // the timestamp is more than 5 minutes ahead
	UnverifiedHeaders   = "headers"   // the signature headers are missing or malformed
)

// UnverifiedEntry is the flagged, support-only note that a notification
// naming order orderID was refused because of why (Unverified*). Anyone can
// send such a message, so the note is in the shop's own words and says
// nothing the message said.
func UnverifiedEntry(orderID int64, why string, now time.Time) TimelineEntry {
	reason := "its signature does not match"
	switch why {
	case UnverifiedTooOld:
		reason = "its timestamp is more than 5 minutes old"
	case UnverifiedTooNew:
		reason = "its timestamp is more than 5 minutes in the future"
	case UnverifiedHeaders:
		reason = "its signature headers are missing or malformed"
	}
	return TimelineEntry{OrderID: orderID, At: now, Kind: KindNotificationRejected, Actor: ActorNotification, Flagged: true, Internal: true,
		Message: fmt.Sprintf("Refused a notification naming this order: %s. Nothing in it was used and the order was not changed.", reason)}
}

// DuplicateEntry is the note that notification src.WebhookID of eventType,
// applied before, arrived again and changed nothing.
func DuplicateEntry(orderID int64, src Source, eventType string, now time.Time) TimelineEntry {
	return TimelineEntry{OrderID: orderID, At: now, Kind: KindNotificationIgnored, Actor: src.Actor, WebhookID: src.WebhookID,
		Message: fmt.Sprintf("Duplicate notification %s (%s) ignored: it was already applied.", src.WebhookID, eventType)}
}
