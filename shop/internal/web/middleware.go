package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
)

type ctxKey int

const requestIDKey ctxKey = 0

// requestID returns the id of the request being served, "" outside one.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestLog gives every request an id (X-Request-Id, echoed back) and logs
// one line when it ends. It sits outside everything else so refused
// cross-origin posts are logged too. Queries are not logged: return URLs
// carry signatures.
func (s *Server) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration_ms", time.Since(start).Milliseconds(), "request_id", id)
	})
}

// requireUser sends visitors who are not signed in to the sign-in page and
// brings them back afterwards.
func (s *Server) requireUser(c *gin.Context) {
	if s.currentUser(c) != nil {
		c.Next()
		return
	}
	next := c.Request.URL.Path
	if c.Request.Method == http.MethodGet && c.Request.URL.RawQuery != "" {
		next += "?" + c.Request.URL.RawQuery
	}
	c.Redirect(http.StatusSeeOther, "/signin?next="+url.QueryEscape(next))
	c.Abort()
}
