package alipay

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// keyBits is the size of every key the adapter makes: RSA2 (SHA256withRSA)
// keys at Alipay are 2048 bits.
const keyBits = 2048

// poolSize is how many keys the pool keeps ready: two merchants' worth
// (each needs an app key and a platform key).
const poolSize = 4

// keyPool hands out fresh RSA keys. Generating one takes 20–500 ms (more
// under the race detector), and a merchant needs two, so a few are kept
// ready: after a merchant is created the pool refills in the background,
// one key at a time, so a test suite creating merchants one after another
// finds them ready. It starts empty and refills only once it has been
// drawn from, so a gateway that never creates a merchant spends nothing.
type keyPool struct {
	gen     func() (*rsa.PrivateKey, error)
	ready   chan *rsa.PrivateKey
	filling atomic.Bool
}

func newKeyPool() *keyPool {
	return &keyPool{
		gen:   func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, keyBits) },
		ready: make(chan *rsa.PrivateKey, poolSize),
	}
}

// take returns n fresh keys: ready ones first, the rest generated at once,
// side by side. With refill the pool then tops itself up.
func (p *keyPool) take(n int, refill bool) ([]*rsa.PrivateKey, error) {
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
		wg.Go(func() { keys[i], errs[i] = p.gen() })
	}
	wg.Wait()
	if refill {
		p.refill()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("alipay: generate key: %w", err)
	}
	return keys, nil
}

// refill tops the pool up in the background, one key at a time so it
// never takes more than one core from the requests being served.
func (p *keyPool) refill() {
	if !p.filling.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer p.filling.Store(false)
		for len(p.ready) < cap(p.ready) {
			k, err := p.gen()
			if err != nil {
				return
			}
			select {
			case p.ready <- k:
			default:
				return
			}
		}
	}()
}

// PEM block types of the keys the adapter writes and reads.
const (
	pemPKCS1Private = "RSA PRIVATE KEY"
	pemPKIXPublic   = "PUBLIC KEY"
	pemPKCS1Public  = "RSA PUBLIC KEY"
)

// privatePEM is a private key as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY").
func privatePEM(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: pemPKCS1Private, Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// publicPEM is a public key as PKIX PEM ("BEGIN PUBLIC KEY").
func publicPEM(k *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("alipay: marshal public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: pemPKIXPublic, Bytes: der})), nil
}

// parsePrivatePEM reads a PKCS#1 or PKCS#8 RSA private key in PEM.
func parsePrivatePEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("not a PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("a %T, not an RSA key", k)
	}
	return rk, nil
}

// parsePublicKey reads an RSA public key the ways merchants hold one: PKIX
// PEM ("BEGIN PUBLIC KEY"), PKCS#1 PEM ("BEGIN RSA PUBLIC KEY"), or the
// bare base64 body of either (what Alipay's key tool and console show).
// It must be at least keyBits long.
func parsePublicKey(s string) (*rsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	var der []byte
	if block, _ := pem.Decode([]byte(s)); block != nil {
		if block.Type != pemPKIXPublic && block.Type != pemPKCS1Public {
			return nil, fmt.Errorf("a PEM %q block, not a public key (BEGIN PUBLIC KEY)", block.Type)
		}
		der = block.Bytes
	} else {
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, errors.New("neither PEM (BEGIN PUBLIC KEY) nor base64")
		}
		der = raw
	}
	var pub *rsa.PublicKey
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("a %T, not an RSA key", k)
		}
		pub = rk
	} else if k, err2 := x509.ParsePKCS1PublicKey(der); err2 == nil {
		pub = k
	} else {
		return nil, fmt.Errorf("not a public key: %v", err)
	}
	if pub.N.BitLen() < keyBits {
		return nil, fmt.Errorf("a %d-bit key; RSA2 needs at least %d bits", pub.N.BitLen(), keyBits)
	}
	return pub, nil
}
