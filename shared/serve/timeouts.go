// Package serve holds what both binaries do the same way when they serve
// HTTP: the server timeouts read from the environment (DESIGN §12) and the
// warning about published demo secrets on an address beyond loopback.
package serve

import (
	"net/http"
	"time"

	"github.com/paysandbox/paysandbox/shared/envconfig"
)

// The variables that set the timeouts of a binary's HTTP server. Both
// binaries read the same names, so `make run` and one shell configure both.
const (
	EnvReadHeaderTimeout = "HTTP_READ_HEADER_TIMEOUT"
	EnvReadTimeout       = "HTTP_READ_TIMEOUT"
	EnvWriteTimeout      = "HTTP_WRITE_TIMEOUT"
	EnvIdleTimeout       = "HTTP_IDLE_TIMEOUT"
)

// Timeouts are the deadlines of an http.Server. ReadHeader and Read bound
// how long a client may take to send a request (a client sending a byte
// every few seconds is cut off after Read), Idle how long a kept-alive
// connection may wait for the next request. Write bounds handling plus
// writing the answer; 0 means none.
type Timeouts struct {
	ReadHeader time.Duration
	Read       time.Duration
	Write      time.Duration
	Idle       time.Duration
}

// LoadTimeouts reads the HTTP_*_TIMEOUT variables (Go durations) with def as
// the defaults. Read-header, read and idle timeouts must be positive: a zero
// would switch the protection off. Write may be 0 (none). A read-header
// timeout longer than the read timeout is allowed and has no effect (the
// read timeout covers the headers too). Problems are recorded on env, naming
// the variable.
func LoadTimeouts(env *envconfig.Env, def Timeouts) Timeouts {
	t := Timeouts{
		ReadHeader: env.Duration(EnvReadHeaderTimeout, def.ReadHeader),
		Read:       env.Duration(EnvReadTimeout, def.Read),
		Write:      env.Duration(EnvWriteTimeout, def.Write),
		Idle:       env.Duration(EnvIdleTimeout, def.Idle),
	}
	for _, v := range []struct {
		name string
		d    time.Duration
	}{{EnvReadHeaderTimeout, t.ReadHeader}, {EnvReadTimeout, t.Read}, {EnvIdleTimeout, t.Idle}} {
		if v.d <= 0 {
			env.Fail(v.name, "must be positive, like 10s: without it a slow client holds a connection forever")
		}
	}
	return t
}

// Server returns an http.Server serving h with these timeouts.
func (t Timeouts) Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
	}
}
