package cashier

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// testCardDeclines are the card numbers of DESIGN §5 that decline, with the
// code they decline with. 4242424242424242 and every other Luhn-valid number
// succeed.
var testCardDeclines = map[string]string{
	"4000000000000002": "card_declined",
	"4000000000009995": "insufficient_funds",
	"4000000000000069": "expired_card",
	"4000000000000119": "processing_error",
}

// cardForm is the card form as the customer filled it in. It is re-rendered
// with the customer's input after an error; the number appears nowhere else.
type cardForm struct {
	Number, Expiry, CVC, Name string
	// Errors are keyed by field (number, expiry, cvc, name): the catalogue
	// key of what is wrong, rendered in the page's language.
	Errors map[string]string
}

// validate checks the form and returns the card number's digits. The date
// only has to be well-formed and not past, the CVC any 3 or 4 digits, as with
// the providers' test cards.
func (f *cardForm) validate(now time.Time) (string, bool) {
	f.Errors = map[string]string{}
	digits := strings.NewReplacer(" ", "", "-", "").Replace(f.Number)
	switch {
	case digits == "":
		f.Errors["number"] = "cashier.card.error.number_missing"
	case !allDigits(digits) || len(digits) < 12 || len(digits) > 19:
		f.Errors["number"] = "cashier.card.error.number_length"
	case !luhnValid(digits):
		f.Errors["number"] = "cashier.card.error.number_luhn"
	}
	if month, year, ok := parseExpiry(f.Expiry); !ok {
		f.Errors["expiry"] = "cashier.card.error.expiry_format"
	} else if firstDayAfter := time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC); !now.Before(firstDayAfter) {
		f.Errors["expiry"] = "cashier.card.error.expiry_past"
	}
	if cvc := strings.TrimSpace(f.CVC); !allDigits(cvc) || len(cvc) < 3 || len(cvc) > 4 {
		f.Errors["cvc"] = "cashier.card.error.cvc"
	}
	if utf8.RuneCountInString(f.Name) > 100 {
		f.Errors["name"] = "cashier.card.error.name_long"
	}
	return digits, len(f.Errors) == 0
}

// parseExpiry reads MM/YY or MM/YYYY.
func parseExpiry(s string) (month, year int, ok bool) {
	mm, yy, found := strings.Cut(strings.ReplaceAll(s, " ", ""), "/")
	if !found || len(mm) < 1 || len(mm) > 2 || (len(yy) != 2 && len(yy) != 4) || !allDigits(mm) || !allDigits(yy) {
		return 0, 0, false
	}
	month, _ = strconv.Atoi(mm)
	year, _ = strconv.Atoi(yy)
	if len(yy) == 2 {
		year += 2000
	}
	return month, year, month >= 1 && month <= 12
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// luhnValid reports whether a string of digits passes the Luhn check that
// every real card number passes.
func luhnValid(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// lastFour is all of a card number that may be shown outside its form.
func lastFour(digits string) string {
	if len(digits) < 4 {
		return ""
	}
	return digits[len(digits)-4:]
}

// smsForm is UnionPay's bank-style confirmation: any 6 digits confirm.
type smsForm struct {
	Code string
	// Error is the catalogue key of what is wrong with the code.
	Error string
}

func (f *smsForm) validate() bool {
	f.Code = strings.TrimSpace(f.Code)
	if len(f.Code) != 6 || !allDigits(f.Code) {
		f.Error = "cashier.sms.error"
		return false
	}
	return true
}
