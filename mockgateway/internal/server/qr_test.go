package server_test

import (
	"bytes"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

func TestQR(t *testing.T) {
	e := newTestEnv(t, nil)
	p := e.createPayment(map[string]any{"method": "alipay"})

	for _, tc := range []struct {
		query string
		size  int
	}{
		{"", 256},
		{"?size=64", 64},
		{"?size=300", 300},
		{"?size=1024", 1024},
	} {
		t.Run("size"+tc.query, func(t *testing.T) {
			r := e.page("GET", "/qr/"+p.ID+".png"+tc.query, nil)
			if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("status %d, type %q: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
				t.Errorf("Cache-Control = %q", cc)
			}
			img, err := png.Decode(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tc.size || b.Dy() != tc.size {
				t.Errorf("image is %dx%d, want %d", b.Dx(), b.Dy(), tc.size)
			}
			// The code encodes the payment's qr_code (its pay_url), nothing else.
			wantPNG, err := qrcode.Encode(p.QRCode, qrcode.Medium, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r.Body, wantPNG) {
				t.Errorf("image does not encode qr_code %q", p.QRCode)
			}
		})
	}

	for _, bad := range []string{"63", "1025", "0", "-256", "abc", "", "256px", "12.5"} {
		t.Run("bad size "+bad, func(t *testing.T) {
			r := e.page("GET", "/qr/"+p.ID+".png?size="+bad, nil)
			if r.Status != http.StatusBadRequest || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
				t.Fatalf("status %d, type %q", r.Status, r.Header.Get("Content-Type"))
			}
			if !strings.Contains(string(r.Body), "64 to 1024") {
				t.Errorf("message %q does not name the bounds", r.Body)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("an error may be cached: %q", r.Header.Get("Cache-Control"))
			}
		})
	}

	for _, path := range []string{"/qr/pay_nope.png", "/qr/" + p.ID, "/qr/" + p.ID + ".jpg", "/qr/.png"} {
		t.Run("not found "+path, func(t *testing.T) {
			if r := e.page("GET", path, nil); r.Status != http.StatusNotFound {
				t.Errorf("status %d, want 404", r.Status)
			}
		})
	}
}

// BenchmarkQREncode measures the CPU cost of one QR image (the part of
// GET /qr/{id}.png that grows with size) for a typical pay_url.
func BenchmarkQREncode(b *testing.B) {
	const content = "http://localhost:8081/pay/pay_20261126104608a1b2c3d4e5f6a7b8c9"
	for _, size := range []int{64, 256, 1024} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			for b.Loop() {
				if _, err := qrcode.Encode(content, qrcode.Medium, size); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
