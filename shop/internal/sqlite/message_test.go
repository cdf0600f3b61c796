package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// TestTimeline_KeysAndOldRows: an entry is stored as its key and arguments
// (nested messages too) beside its English text, and read back as the same
// message, which each reader renders in their language; a row written
// before keys existed is read as its text.
func TestTimeline_KeysAndOldRows(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	alice, _ := db.FindUserByEmail(ctx, "alice@example.com")
	o, err := newOrder(t, db, alice.ID, time.Hour, "PS-MSG")
	if err != nil {
		t.Fatal(err)
	}
	msg := i18n.M("shop.timeline.opened", "N", 2, "Method", shop.MethodLabel("wechat"), "OutTradeNo", o.No+"-2")
	if err := addEntries(ctx, db.db, shop.TimelineEntry{OrderID: o.ID, At: time.Now(), Kind: shop.KindPaymentRequested, Actor: "test", Message: msg}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Exec(`INSERT INTO timeline (order_id, at, kind, message, actor) VALUES (?, 0, 'created', 'Order placed long ago.', 'shop')`, o.ID); err != nil {
		t.Fatal(err)
	}
	var entries []shop.TimelineEntry
	var text, key, args string
	if err := db.db.QueryRow(`SELECT message, message_key, message_args FROM timeline WHERE kind = ?`, shop.KindPaymentRequested).Scan(&text, &key, &args); err != nil {
		t.Fatal(err)
	}
	if key != "shop.timeline.opened" || text != "Payment attempt 2 (WeChat Pay) opened as "+o.No+"-2." || args == "" {
		t.Errorf("stored %q %q %q", text, key, args)
	}
	entries, err = db.Timeline(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		got[e.Kind+" en"] = i18n.Default.Localizer(i18n.English).Msg(e.Message)
		got[e.Kind+" zh"] = i18n.Default.Localizer(i18n.Chinese).Msg(e.Message)
	}
	for k, want := range map[string]string{
		"payment_requested en": "Payment attempt 2 (WeChat Pay) opened as " + o.No + "-2.",
		"payment_requested zh": "已发起第 2 次支付（微信支付），商户订单号 " + o.No + "-2。",
		"created zh":           "Order placed long ago.",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}
