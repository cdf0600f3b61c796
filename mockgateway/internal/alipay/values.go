package alipay

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"time"
)

// beijing is Alipay's clock: every time on its wire is China Standard Time
// without a zone (a fixed zone, so no tz database is needed).
var beijing = time.FixedZone("CST", 8*60*60)

// timeLayout is Alipay's "yyyy-MM-dd HH:mm:ss".
const timeLayout = "2006-01-02 15:04:05"

// wireTime formats t as Alipay does, in Beijing time.
func wireTime(t time.Time) string { return t.In(beijing).Format(timeLayout) }

// Amount limits of Alipay's total_amount and refund_amount: [0.01,
// 100000000] yuan, in fen.
const (
	minAmount = 1
	maxAmount = 100_000_000_00
)

// yuanPattern is an amount in yuan with at most two decimals and no
// leading zeros, signs or exponents.
var yuanPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$`)

// parseYuan reads an amount in yuan ("19.99", "20", "0.5") into fen. ok is
// false when it is not such an amount or is outside Alipay's range.
func parseYuan(s string) (fen int64, ok bool) {
	m := yuanPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	whole, _ := strconv.ParseInt(m[1], 10, 64)
	fen = whole * 100
	if frac := m[2]; frac != "" {
		d, _ := strconv.ParseInt(frac[1:], 10, 64)
		if len(frac) == 2 {
			d *= 10
		}
		fen += d
	}
	return fen, fen >= minAmount && fen <= maxAmount
}

// yuan formats fen as Alipay's amounts: yuan with two decimals.
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// outNoPattern is what an out_trade_no or out_request_no may be: Alipay
// documents letters, digits and underscores up to 64 characters; the
// hyphen that merchants use in practice is allowed too.
var outNoPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// digits returns n (≤ 18) decimal digits derived from s, so an id made
// from another is the same every time it is shown.
func digits(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	mod := uint64(1)
	for range n {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", n, binary.BigEndian.Uint64(sum[:8])%mod)
}

// newTradeNo returns a 28-digit trade_no shaped like Alipay's: the date in
// Beijing, "22", and 18 random digits.
func newTradeNo(now time.Time) (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000_000_000_000))
	if err != nil {
		return "", fmt.Errorf("alipay: trade_no: %w", err)
	}
	return fmt.Sprintf("%s22%018d", now.In(beijing).Format("20060102"), n), nil
}
