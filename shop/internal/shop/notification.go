package shop

import (
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
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
	reason := "shop.unverified.signature"
	switch why {
	case UnverifiedTooOld:
		reason = "shop.unverified.too_old"
	case UnverifiedTooNew:
		reason = "shop.unverified.too_new"
	case UnverifiedHeaders:
		reason = "shop.unverified.headers"
	}
	return TimelineEntry{OrderID: orderID, At: now, Kind: KindNotificationRejected, Actor: ActorNotification, Flagged: true, Internal: true,
		Message: i18n.M("shop.timeline.unverified", "Reason", i18n.M(reason))}
}

// DuplicateEntry is the note that notification src.WebhookID of eventType,
// applied before, arrived again and changed nothing.
func DuplicateEntry(orderID int64, src Source, eventType string, now time.Time) TimelineEntry {
	return TimelineEntry{OrderID: orderID, At: now, Kind: KindNotificationIgnored, Actor: src.Actor, WebhookID: src.WebhookID,
		Message: i18n.M("shop.timeline.duplicate", "Webhook", src.WebhookID, "Event", eventType)}
}
