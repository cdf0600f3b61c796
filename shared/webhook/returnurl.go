package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Query parameters the cashier adds to a merchant's return_url (DESIGN §4).
const (
	ParamPaymentID  = "payment_id"
	ParamOutTradeNo = "out_trade_no"
	ParamStatus     = "status"
	ParamErrorCode  = "error_code"
	ParamTimestamp  = "timestamp"
	ParamSignature  = "signature"
)

// Return is what a signed return redirect tells the merchant. It is a hint:
// the authoritative status comes from the notification or the API.
type Return struct {
	PaymentID  string
	OutTradeNo string
	Status     string
	ErrorCode  string
	Timestamp  time.Time
}

func (r Return) values() url.Values {
	v := url.Values{}
	v.Set(ParamPaymentID, r.PaymentID)
	v.Set(ParamOutTradeNo, r.OutTradeNo)
	v.Set(ParamStatus, r.Status)
	if r.ErrorCode != "" {
		v.Set(ParamErrorCode, r.ErrorCode)
	}
	v.Set(ParamTimestamp, strconv.FormatInt(r.Timestamp.Unix(), 10))
	return v
}

func (s *Signer) returnMAC(canonical string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(canonical))
	return m.Sum(nil)
}

// SignReturnURL adds the signed parameters of r to returnURL, keeping any
// query parameters it already has.
func (s *Signer) SignReturnURL(returnURL string, r Return) (string, error) {
	u, err := url.Parse(returnURL)
	if err != nil {
		return "", fmt.Errorf("webhook: return url: %w", err)
	}
	added := r.values()
	sig := base64.RawURLEncoding.EncodeToString(s.returnMAC(added.Encode()))
	q := u.Query()
	for k, vs := range added {
		q[k] = vs
	}
	q.Set(ParamSignature, sig)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// VerifyReturn checks the signed parameters of a return redirect's query.
// Parameters the merchant put in its own return_url are ignored.
func (v *Verifier) VerifyReturn(q url.Values) (Return, error) {
	r := Return{
		PaymentID:  q.Get(ParamPaymentID),
		OutTradeNo: q.Get(ParamOutTradeNo),
		Status:     q.Get(ParamStatus),
		ErrorCode:  q.Get(ParamErrorCode),
	}
	tsText, sig := q.Get(ParamTimestamp), q.Get(ParamSignature)
	if r.PaymentID == "" || r.Status == "" || tsText == "" || sig == "" {
		return Return{}, ErrMissingHeaders
	}
	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return Return{}, fmt.Errorf("%w: timestamp %q", ErrInvalidHeaders, tsText)
	}
	r.Timestamp = time.Unix(unix, 0)
	if err := v.checkTime(unix); err != nil {
		return Return{}, err
	}
	canonical := r.values().Encode()
	for _, s := range v.signers {
		want := base64.RawURLEncoding.EncodeToString(s.returnMAC(canonical))
		if equal(sig, want) {
			return r, nil
		}
	}
	return Return{}, ErrNoMatchingSignature
}
