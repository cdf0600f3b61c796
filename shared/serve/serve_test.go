package serve

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/shared/envconfig"
)

func TestLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, true},
		{&net.TCPAddr{IP: net.IPv4(127, 1, 2, 3), Port: 8080}, true},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, true},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, false},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, false},
		{&net.TCPAddr{Port: 8080}, false},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 10), Port: 8080}, false},
		{fakeAddr("localhost:8080"), true},
		{fakeAddr("127.0.0.1:8080"), true},
		{fakeAddr(":8080"), false},
		{fakeAddr("example.com:8080"), false},
	} {
		if got := Loopback(tc.addr); got != tc.want {
			t.Errorf("Loopback(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

func TestWarnExposedDemoSecrets(t *testing.T) {
	secrets := []DemoSecret{{Name: "DEMO_API_KEY", Risk: "r", Fix: "f"}, {Name: "DEMO_WEBHOOK_SECRET", Risk: "r", Fix: "f"}}
	t.Run("beyond loopback", func(t *testing.T) {
		var buf bytes.Buffer
		n := WarnExposedDemoSecrets(slog.New(slog.NewTextHandler(&buf, nil)), &net.TCPAddr{IP: net.IPv4zero, Port: 1}, "GATEWAY_ADDR", secrets)
		if n != 2 {
			t.Errorf("logged %d warnings, want 2", n)
		}
		for _, s := range secrets {
			if !strings.Contains(buf.String(), "secret="+s.Name) {
				t.Errorf("log does not name %s:\n%s", s.Name, buf.String())
			}
		}
		if !strings.Contains(buf.String(), "GATEWAY_ADDR=127.0.0.1:PORT") {
			t.Errorf("log does not say how to listen on loopback:\n%s", buf.String())
		}
	})
	t.Run("loopback", func(t *testing.T) {
		var buf bytes.Buffer
		n := WarnExposedDemoSecrets(slog.New(slog.NewTextHandler(&buf, nil)), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, "GATEWAY_ADDR", secrets)
		if n != 0 || buf.Len() != 0 {
			t.Errorf("logged %d warnings on loopback:\n%s", n, buf.String())
		}
	})
}

func TestLoadTimeouts(t *testing.T) {
	def := Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Idle: 2 * time.Minute}
	t.Run("defaults", func(t *testing.T) {
		env := envconfig.FromMap(nil)
		if got := LoadTimeouts(env, def); got != def || env.Err() != nil {
			t.Errorf("LoadTimeouts = %+v, %v; want %+v", got, env.Err(), def)
		}
	})
	t.Run("set", func(t *testing.T) {
		env := envconfig.FromMap(map[string]string{EnvReadHeaderTimeout: "1s", EnvReadTimeout: "1500ms", EnvWriteTimeout: "1m", EnvIdleTimeout: "5s"})
		want := Timeouts{ReadHeader: time.Second, Read: 1500 * time.Millisecond, Write: time.Minute, Idle: 5 * time.Second}
		got := LoadTimeouts(env, def)
		if got != want || env.Err() != nil {
			t.Errorf("LoadTimeouts = %+v, %v; want %+v", got, env.Err(), want)
		}
		srv := got.Server(nil)
		if srv.ReadHeaderTimeout != want.ReadHeader || srv.ReadTimeout != want.Read || srv.WriteTimeout != want.Write || srv.IdleTimeout != want.Idle {
			t.Errorf("Server() = %+v, want the timeouts %+v", srv, want)
		}
	})
	for _, tc := range []struct{ name, value string }{
		{EnvReadTimeout, "30"},
		{EnvReadTimeout, "0s"},
		{EnvReadHeaderTimeout, "soon"},
		{EnvIdleTimeout, "0s"},
		{EnvWriteTimeout, "-1s"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			env := envconfig.FromMap(map[string]string{tc.name: tc.value})
			LoadTimeouts(env, def)
			if err := env.Err(); err == nil || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("err = %v, want one naming %s", err, tc.name)
			}
		})
	}
}
