package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/apicall"
	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
)

// ctxCredentials holds the authenticated merchant's WeChat credentials.
const ctxCredentials = "wechat.credentials"

// maxClockSkew is how far a request's timestamp may be from the gateway's
// clock, either way.
const maxClockSkew = 5 * time.Minute

// authorization is a parsed Authorization header.
type authorization struct {
	MchID, NonceStr, Timestamp, SerialNo, Signature string
}

// authParams are the parameters an Authorization header must carry.
var authParams = []string{"mchid", "nonce_str", "timestamp", "serial_no", "signature"}

// parseAuthorization reads `WECHATPAY2-SHA256-RSA2048 k="v",k="v",…`, the
// five parameters in any order.
func parseAuthorization(h string) (authorization, *apiError) {
	h = strings.TrimSpace(h)
	if h == "" {
		return authorization{}, signError("Http头缺少Authorization",
			`Send Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…".`)
	}
	scheme, rest, _ := strings.Cut(h, " ")
	if scheme != SignatureType {
		return authorization{}, signError("不支持的认证类型",
			fmt.Sprintf("The Authorization scheme is %q; WeChat Pay APIv3 takes %s.", scheme, SignatureType))
	}
	params, err := parseParams(rest)
	if err != nil {
		return authorization{}, signError("Authorization格式错误", err.Error())
	}
	for _, name := range authParams {
		if params[name] == "" {
			return authorization{}, signError("Authorization缺少参数"+name, "The Authorization header has no "+name+".")
		}
	}
	return authorization{
		MchID: params["mchid"], NonceStr: params["nonce_str"], Timestamp: params["timestamp"],
		SerialNo: params["serial_no"], Signature: params["signature"],
	}, nil
}

// parseParams reads comma-separated key="value" pairs (quotes optional).
func parseParams(s string) (map[string]string, error) {
	out := map[string]string{}
	for {
		s = strings.TrimLeft(s, " ,\t")
		if s == "" {
			return out, nil
		}
		key, rest, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("parameter %q has no value", key)
		}
		key = strings.TrimSpace(key)
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("the value of %s has no closing quote", key)
			}
			val, s = rest[1:1+end], rest[2+end:]
		} else {
			val, s, _ = strings.Cut(rest, ",")
			val = strings.TrimSpace(val)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("parameter %s is given twice", key)
		}
		out[key] = val
	}
}

// authenticate finds the merchant a request's Authorization header names
// and checks the request (verifyRequest). Once the merchant is known its
// platform key signs the answer, refusals included.
func (a *Adapter) authenticate(c *gin.Context) {
	body, ok := a.readBody(c)
	if !ok {
		return
	}
	auth, aerr := parseAuthorization(c.GetHeader("Authorization"))
	if aerr != nil {
		a.refuse(c, aerr)
		return
	}
	m, err := a.svc.MerchantByAlias(c.Request.Context(), aliasMchID, auth.MchID)
	if gateway.ErrorCode(err) == gateway.ResourceMissing {
		a.refuse(c, signError("商户号不存在", fmt.Sprintf("No merchant has mchid %s: use the mchid of your WeChat Pay credentials (GET /admin/api/merchants/{id}).", auth.MchID)))
		return
	} else if err != nil {
		a.refuse(c, err)
		return
	}
	creds, sg, err := a.credentialsOf(m)
	if err != nil {
		a.refuse(c, err)
		return
	}
	c.Set(ctxSigner, sg)
	if err := a.verifyRequest(c, auth, creds, body); err != nil {
		a.refuse(c, err)
		return
	}
	c.Set(ctxCredentials, creds)
	apicall.SetMerchant(c, m)
	c.Next()
}

// verifyRequest checks a request against its merchant's credentials
// (DESIGN §11.2): the merchant key's serial, a timestamp within five
// minutes, a signature over METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n
// made with the merchant's private key, and a mchid in the query or the
// body that is the header's. Every refusal is a 401 SIGN_ERROR.
func (a *Adapter) verifyRequest(c *gin.Context, auth authorization, creds *Credentials, body []byte) error {
	if !strings.EqualFold(auth.SerialNo, creds.MerchantSerialNo) {
		return signError("商户证书序列号有误",
			fmt.Sprintf("serial_no %s is not the merchant key's serial of mchid %s (merchant_serial_no in its credentials).", auth.SerialNo, auth.MchID))
	}
	ts, err := strconv.ParseInt(auth.Timestamp, 10, 64)
	if err != nil {
		return signError("Authorization的timestamp格式错误", "timestamp must be unix seconds.")
	}
	if skew := a.now().Sub(time.Unix(ts, 0)); skew > maxClockSkew || skew < -maxClockSkew {
		return signError("请求时间戳已过期",
			fmt.Sprintf("timestamp %d is %s away from the gateway's clock; at most 5 minutes are allowed.", ts, skew.Round(time.Second)))
	}
	pub, err := a.keys.public(creds.MerchantPublicKey)
	if err != nil {
		return fmt.Errorf("wechat: merchant %s public key: %w", auth.MchID, err)
	}
	msg := requestMessage(c.Request.Method, c.Request.RequestURI, ts, auth.NonceStr, body)
	if err := verifyMessage(pub, msg, auth.Signature); err != nil {
		return signError("签名错误，请检查后再试",
			"The signature does not verify with the merchant public key of serial_no "+auth.SerialNo+
				`. Sign "METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n" with SHA256withRSA and the merchant private key.`)
	}
	if q, ok := c.GetQuery("mchid"); ok && q != auth.MchID {
		return signError("请求的mchid与Authorization中的mchid不一致", "The mchid query parameter is "+q+"; the Authorization header names "+auth.MchID+".")
	}
	var named struct {
		MchID *string `json:"mchid"`
	}
	if json.Unmarshal(body, &named) == nil && named.MchID != nil && *named.MchID != auth.MchID {
		return signError("请求的mchid与Authorization中的mchid不一致", "The body's mchid is "+*named.MchID+"; the Authorization header names "+auth.MchID+".")
	}
	return nil
}

// readBody reads the body (at most apicall.MaxBody bytes) for the
// signature check and puts it back for the pipeline.
func (a *Adapter) readBody(c *gin.Context) ([]byte, bool) {
	if c.Request.Body == nil {
		return nil, true
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, apicall.MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		a.refuse(c, gateway.Errorf(gateway.BodyTooLarge, "", "The request body is larger than 1 MiB."))
		return nil, false
	} else if err != nil {
		a.refuse(c, gateway.Errorf(gateway.InvalidJSON, "", "The request body could not be read: %v.", err))
		return nil, false
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}

// refuse answers a request the authenticator turned away.
func (a *Adapter) refuse(c *gin.Context, err error) {
	a.dialect.Write(c, a.dialect.ErrorAnswer(c, err))
	c.Abort()
}

// credentialsOf returns a merchant's WeChat credentials and the key that
// signs its answers.
func (a *Adapter) credentialsOf(m *gateway.Merchant) (*Credentials, *signer, error) {
	raw, ok := m.Credentials[Name]
	if !ok {
		return nil, nil, fmt.Errorf("wechat: merchant %s has no WeChat Pay credentials", m.ID)
	}
	var creds Credentials
	if err := json.Unmarshal(raw, &creds); err != nil {
		return nil, nil, fmt.Errorf("wechat: credentials of %s: %w", m.ID, err)
	}
	var sec secrets
	if err := json.Unmarshal(m.Secrets[Name], &sec); err != nil {
		return nil, nil, fmt.Errorf("wechat: platform key of %s: %w", m.ID, err)
	}
	key, err := a.keys.private(sec.PlatformPrivateKey)
	if err != nil {
		return nil, nil, fmt.Errorf("wechat: platform key of %s: %w", m.ID, err)
	}
	return &creds, &signer{key: key, serial: creds.signingSerial()}, nil
}

// credentials returns the call's merchant's credentials.
func credentials(c *gin.Context) *Credentials { return c.MustGet(ctxCredentials).(*Credentials) }
