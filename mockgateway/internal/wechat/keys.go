package wechat

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"
)

// keyBits is the size of every RSA key the gateway makes: WeChat Pay's
// WECHATPAY2-SHA256-RSA2048.
const keyBits = 2048

// poolSize is how many key pairs the pool keeps ready: two merchants'
// worth (each needs a merchant and a platform pair).
const poolSize = 4

// keyPool hands out fresh RSA key pairs. A 2048-bit key takes 0.1–1 s to
// generate (more under the race detector), and every new merchant needs
// two, so a background goroutine keeps a few ready; when none is, the
// caller generates its own. The goroutine starts with the first request
// that asks for it (a merchant created through the admin API, not the
// seeded demo merchant), so a gateway that creates no merchants spends
// nothing on it.
type keyPool struct {
	ready chan *rsa.PrivateKey
	start sync.Once
	// generate makes one key (rsa.GenerateKey in production).
	generate func() (*rsa.PrivateKey, error)
}

func newKeyPool(size int) *keyPool {
	return &keyPool{ready: make(chan *rsa.PrivateKey, size), generate: func() (*rsa.PrivateKey, error) {
		return rsa.GenerateKey(rand.Reader, keyBits)
	}}
}

// take returns n fresh keys: from the pool when it has them, the rest
// generated now, in parallel. refill starts the pool's filling.
func (p *keyPool) take(n int, refill bool) ([]*rsa.PrivateKey, error) {
	if refill {
		p.start.Do(func() { go p.fill() })
	}
	keys := make([]*rsa.PrivateKey, n)
	var missing []int
	for i := range keys {
		select {
		case keys[i] = <-p.ready:
		default:
			missing = append(missing, i)
		}
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for _, i := range missing {
		wg.Go(func() { keys[i], errs[i] = p.generate() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("wechat: generate RSA key: %w", err)
	}
	return keys, nil
}

// fill keeps the pool full for the life of the process; it blocks while
// the pool is full. A failed generation is retried by the next loop: the
// callers generate their own meanwhile.
func (p *keyPool) fill() {
	for {
		k, err := p.generate()
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		p.ready <- k
	}
}

// privatePEM encodes a private key as PKCS#8 PEM ("BEGIN PRIVATE KEY"),
// the form WeChat Pay's apiclient_key.pem has and the SDKs load.
func privatePEM(k *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", fmt.Errorf("wechat: encode private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// publicPEM encodes a public key as PKIX PEM ("BEGIN PUBLIC KEY"), the form
// of WeChat Pay's platform public key file.
func publicPEM(k *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("wechat: encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// parsePrivatePEM reads a PKCS#8 (or PKCS#1) RSA private key.
func parsePrivatePEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("not a PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("not an RSA key")
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	}
	return nil, fmt.Errorf("a PEM block of type %q is not a private key", block.Type)
}

// parsePublicPEM reads an RSA public key from a PKIX ("PUBLIC KEY") or
// PKCS#1 ("RSA PUBLIC KEY") block, or from a certificate (a merchant's
// apiclient_cert.pem holds its public key).
func parsePublicPEM(s string) (*rsa.PublicKey, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("not a PEM block")
	}
	if len(pemTrim(rest)) != 0 {
		return nil, errors.New("more than one PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return nil, fmt.Errorf("a PEM block of type %q is not a public key", block.Type)
	}
	if err != nil {
		return nil, err
	}
	rk, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	if rk.N.BitLen() < keyBits {
		return nil, fmt.Errorf("an RSA key of %d bits; WeChat Pay keys have %d", rk.N.BitLen(), keyBits)
	}
	return rk, nil
}

func pemTrim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// keyCache keeps parsed keys by their PEM text: parsing (and validating)
// a private key on every signed answer would cost more than signing.
type keyCache struct {
	mu   sync.Mutex
	priv map[string]*rsa.PrivateKey
	pub  map[string]*rsa.PublicKey
}

// maxCachedKeys bounds the cache; a long-running sandbox with many
// merchants simply parses again after a reset of the cache.
const maxCachedKeys = 1024

func (kc *keyCache) private(s string) (*rsa.PrivateKey, error) {
	kc.mu.Lock()
	k, ok := kc.priv[s]
	kc.mu.Unlock()
	if ok {
		return k, nil
	}
	k, err := parsePrivatePEM(s)
	if err != nil {
		return nil, err
	}
	kc.mu.Lock()
	if kc.priv == nil || len(kc.priv) >= maxCachedKeys {
		kc.priv = map[string]*rsa.PrivateKey{}
	}
	kc.priv[s] = k
	kc.mu.Unlock()
	return k, nil
}

func (kc *keyCache) public(s string) (*rsa.PublicKey, error) {
	kc.mu.Lock()
	k, ok := kc.pub[s]
	kc.mu.Unlock()
	if ok {
		return k, nil
	}
	k, err := parsePublicPEM(s)
	if err != nil {
		return nil, err
	}
	kc.mu.Lock()
	if kc.pub == nil || len(kc.pub) >= maxCachedKeys {
		kc.pub = map[string]*rsa.PublicKey{}
	}
	kc.pub[s] = k
	kc.mu.Unlock()
	return k, nil
}
