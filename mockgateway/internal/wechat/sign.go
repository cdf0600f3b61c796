package wechat

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// The headers that sign an answer or a notification (DESIGN §11.2).
const (
	HeaderTimestamp     = "Wechatpay-Timestamp"
	HeaderNonce         = "Wechatpay-Nonce"
	HeaderSignature     = "Wechatpay-Signature"
	HeaderSerial        = "Wechatpay-Serial"
	HeaderSignatureType = "Wechatpay-Signature-Type"
)

// SignatureType names WeChat Pay's one signature scheme, in Authorization
// headers and in Wechatpay-Signature-Type.
const SignatureType = "WECHATPAY2-SHA256-RSA2048"

// AlgorithmAESGCM names the encryption of notification resources and of
// downloaded certificates.
const AlgorithmAESGCM = "AEAD_AES_256_GCM"

// signMessage is SHA256withRSA (PKCS #1 v1.5) of message, base64.
func signMessage(k *rsa.PrivateKey, message string) (string, error) {
	sum := sha256.Sum256([]byte(message))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("wechat: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// verifyMessage checks a base64 SHA256withRSA signature of message.
func verifyMessage(k *rsa.PublicKey, message, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("signature is not base64: %w", err)
	}
	sum := sha256.Sum256([]byte(message))
	return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig)
}

// requestMessage is what a merchant signs for a request.
func requestMessage(method, uri string, ts int64, nonce string, body []byte) string {
	return method + "\n" + uri + "\n" + strconv.FormatInt(ts, 10) + "\n" + nonce + "\n" + string(body) + "\n"
}

// answerMessage is what the platform key signs for an answer or a
// notification.
func answerMessage(ts int64, nonce string, body []byte) string {
	return strconv.FormatInt(ts, 10) + "\n" + nonce + "\n" + string(body) + "\n"
}

// signedHeaders signs body at ts with k, the key serial names.
func signedHeaders(k *rsa.PrivateKey, serial string, ts time.Time, body []byte) (http.Header, error) {
	nonce := gateway.RandomToken(32)
	sig, err := signMessage(k, answerMessage(ts.Unix(), nonce, body))
	if err != nil {
		return nil, err
	}
	return http.Header{
		HeaderTimestamp: {strconv.FormatInt(ts.Unix(), 10)},
		HeaderNonce:     {nonce},
		HeaderSignature: {sig},
		HeaderSerial:    {serial},
	}, nil
}

// resource is an AEAD_AES_256_GCM-encrypted object, as notifications carry
// their payload and /v3/certificates its certificates.
type resource struct {
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
	OriginalType   string `json:"original_type,omitempty"`
}

// encrypt seals plaintext with the merchant's APIv3 key as WeChat Pay
// does: AES-256-GCM, a 12-character nonce used as the 12-byte IV, the
// associated data authenticated, ciphertext and tag base64 together.
func encrypt(apiv3Key, associatedData string, plaintext []byte) (resource, error) {
	block, err := aes.NewCipher([]byte(apiv3Key))
	if err != nil {
		return resource{}, fmt.Errorf("wechat: APIv3 key: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return resource{}, err
	}
	nonce := gateway.RandomToken(gcm.NonceSize())
	sealed := gcm.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))
	return resource{
		Algorithm: AlgorithmAESGCM, Ciphertext: base64.StdEncoding.EncodeToString(sealed),
		AssociatedData: associatedData, Nonce: nonce,
	}, nil
}
