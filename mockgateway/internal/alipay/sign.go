package alipay

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// signContent is the text Alipay signs for a set of parameters (DESIGN
// §11.1): every parameter but those skipped, empty values dropped, keys
// sorted, "k=v" joined with "&", values raw (not URL-encoded). Requests
// skip sign; notifications and returns skip sign and sign_type.
func signContent(params url.Values, skip ...string) string {
	keys := make([]string, 0, len(params))
	for k, vs := range params {
		if slices.Contains(skip, k) || len(vs) == 0 || vs[0] == "" {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params.Get(k))
	}
	return b.String()
}

// sign is SHA256withRSA (PKCS#1 v1.5) of content, base64: RSA2.
func sign(key *rsa.PrivateKey, content []byte) (string, error) {
	sum := sha256.Sum256(content)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("alipay: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// verify checks an RSA2 signature (base64) of content.
func verify(key *rsa.PublicKey, content []byte, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("the signature is not base64: %w", err)
	}
	sum := sha256.Sum256(content)
	return rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig)
}

// forgedSignature is a well-formed RSA2 signature that no key made:
// random bytes of a 2048-bit signature's length (notify_bad_signature).
func forgedSignature() string {
	b := make([]byte, keyBits/8)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
