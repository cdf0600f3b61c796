package shop

import (
	"io"
	"time"
)

// orderNoAlphabet is Crockford's base32 without the letters people misread
// (I, L, O, U), so an order number can be read over the phone.
const orderNoAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewOrderNo returns a human-readable order number such as
// "PS-20260512-7K3Q9X": the day it was placed and 6 random characters (about
// a billion per day). The store's unique index catches the rare collision and
// the caller draws again.
func NewOrderNo(now time.Time, random io.Reader) (string, error) {
	return newNo("PS", now, random)
}

// NewRequestNo returns a human-readable refund request number such as
// "RF-20260512-7K3Q9X", drawn like an order number. Its gateway refunds are
// {request_no}-{attempt} (RefundOutNo), well inside out_refund_no's 64
// characters.
func NewRequestNo(now time.Time, random io.Reader) (string, error) {
	return newNo("RF", now, random)
}

func newNo(prefix string, now time.Time, random io.Reader) (string, error) {
	b := make([]byte, 6)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", err
	}
	out := []byte(prefix + "-" + now.UTC().Format("20060102") + "-")
	for _, c := range b {
		out = append(out, orderNoAlphabet[int(c)%len(orderNoAlphabet)])
	}
	return string(out), nil
}
