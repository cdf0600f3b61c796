package wechat

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
)

// certificateEntry is one platform certificate of GET /v3/certificates.
type certificateEntry struct {
	SerialNo           string   `json:"serial_no"`
	EffectiveTime      string   `json:"effective_time"`
	ExpireTime         string   `json:"expire_time"`
	EncryptCertificate resource `json:"encrypt_certificate"`
}

// handleCertificates answers GET /v3/certificates as SDKs that download
// certificates expect: the merchant's platform certificate, its PEM
// AEAD_AES_256_GCM-encrypted with the APIv3 key (associated data
// "certificate"), under the serial Wechatpay-Serial names it by.
func (a *Adapter) handleCertificates(c *gin.Context) {
	creds := credentials(c)
	cl, ok := apicall.Begin(c, apicall.Facts{Operation: "download_certificates"})
	if !ok {
		return
	}
	block, _ := pem.Decode([]byte(creds.PlatformCertificate))
	if block == nil {
		cl.Error(errors.New("wechat: stored platform certificate is not PEM"))
		return
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		cl.Error(fmt.Errorf("wechat: stored platform certificate: %w", err))
		return
	}
	enc, err := encrypt(creds.APIv3Key, "certificate", []byte(creds.PlatformCertificate))
	if err != nil {
		cl.Error(err)
		return
	}
	reply(cl, http.StatusOK, map[string][]certificateEntry{"data": {{
		SerialNo: creds.PlatformSerialNo, EffectiveTime: wxTime(cert.NotBefore), ExpireTime: wxTime(cert.NotAfter),
		EncryptCertificate: enc,
	}}})
}
