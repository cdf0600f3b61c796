package netguard

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestDenied(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "::1": true, "10.1.2.3": true, "172.16.0.1": true, "172.31.255.255": true,
		"192.168.1.1": true, "169.254.169.254": true, "fe80::1": true, "fc00::1": true, "fd12::1": true, "0.0.0.0": true,
		"::": true, "100.64.0.1": true, "::ffff:127.0.0.1": true,
		"8.8.8.8": false, "172.32.0.1": false, "100.128.0.1": false, "2001:4860:4860::8888": false, "1.1.1.1": false,
	} {
		if got := Denied(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Denied(%s) = %v, want %v", addr, got, want)
		}
	}
}

// fixedResolver answers every name with the same addresses.
type fixedResolver []netip.Addr

func (r fixedResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	if len(r) == 0 {
		return nil, errors.New("no such host")
	}
	return r, nil
}

func TestCheckURL(t *testing.T) {
	public := fixedResolver{netip.MustParseAddr("93.184.216.34")}
	mixed := fixedResolver{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.5")}
	tests := []struct {
		url     string
		r       Resolver
		wantErr string
	}{
		{"https://shop.example/hook", public, ""},
		{"http://93.184.216.34/hook", public, ""},
		{"http://127.0.0.1:8080/hook", public, "private"},
		{"http://[::1]/hook", public, "private"},
		{"http://169.254.169.254/latest/meta-data", public, "private"},
		{"https://internal.example/hook", mixed, "resolves to 10.0.0.5"},
		{"https://nowhere.example/hook", fixedResolver{}, "does not resolve"},
	}
	for _, tc := range tests {
		err := CheckURL(context.Background(), tc.r, tc.url)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("CheckURL(%s) = %v, want %q", tc.url, err, tc.wantErr)
		}
	}
}

func TestControl(t *testing.T) {
	var d *DeniedError
	if err := Control("tcp", "127.0.0.1:8080", nil); !errors.As(err, &d) {
		t.Fatalf("loopback: %v", err)
	}
	if err := Control("tcp6", "[fd00::1]:443", nil); !errors.As(err, &d) {
		t.Fatalf("ULA: %v", err)
	}
	if err := Control("tcp", "93.184.216.34:443", nil); err != nil {
		t.Fatalf("public: %v", err)
	}
}
