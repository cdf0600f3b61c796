// Package money formats and parses amounts held as integers in a currency's
// minor unit (fen for CNY, cents for USD, whole yen for JPY).
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxAmount is the largest amount the gateway accepts (10^10 minor units).
const MaxAmount int64 = 10_000_000_000

// Currency describes one supported ISO 4217 currency.
type Currency struct {
	Code     string
	Symbol   string
	Decimals int
}

var currencies = map[string]Currency{
	"CNY": {"CNY", "¥", 2},
	"USD": {"USD", "$", 2},
	"EUR": {"EUR", "€", 2},
	"HKD": {"HKD", "HK$", 2},
	"JPY": {"JPY", "JP¥", 0},
}

// Codes lists the supported currency codes in a stable order.
var Codes = []string{"CNY", "USD", "EUR", "HKD", "JPY"}

// Lookup returns the currency for an ISO code and whether it is supported.
func Lookup(code string) (Currency, bool) {
	c, ok := currencies[code]
	return c, ok
}

// Format renders an amount with its currency symbol: Format(1999, "CNY") is
// "¥19.99", Format(1999, "JPY") is "JP¥1999". Unknown currencies are shown
// with their code and two decimals so nothing is ever hidden.
func Format(amount int64, code string) string {
	c, ok := currencies[code]
	if !ok {
		c = Currency{Code: code, Symbol: code + " ", Decimals: 2}
	}
	sign := ""
	if amount < 0 {
		sign = "-"
		amount = -amount
	}
	if c.Decimals == 0 {
		return sign + c.Symbol + strconv.FormatInt(amount, 10)
	}
	unit := int64(1)
	for range c.Decimals {
		unit *= 10
	}
	return fmt.Sprintf("%s%s%d.%0*d", sign, c.Symbol, amount/unit, c.Decimals, amount%unit)
}

// ErrInvalid is returned by Parse for text that is not a positive amount.
var ErrInvalid = errors.New("money: not a valid amount")

// Parse reads a decimal amount such as "12.34" or "12" into minor units of the
// currency. It refuses negative numbers, more decimals than the currency has,
// and amounts above MaxAmount.
func Parse(s, code string) (int64, error) {
	c, ok := currencies[code]
	if !ok {
		return 0, fmt.Errorf("money: unknown currency %q", code)
	}
	s = strings.TrimSpace(s)
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && (frac == "" || len(frac) > c.Decimals)) {
		return 0, ErrInvalid
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, ErrInvalid
		}
	}
	for len(frac) < c.Decimals {
		frac += "0"
	}
	if len(whole) > 12 {
		return 0, ErrInvalid
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > MaxAmount {
		return 0, ErrInvalid
	}
	return n, nil
}
