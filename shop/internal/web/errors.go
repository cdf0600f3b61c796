package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shared/i18n"
	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

var notFoundErr = shop.Errorf(shop.ENOTFOUND, "shop.error.nothing_here")

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[string]int{
	shop.ENOTFOUND:     http.StatusNotFound,
	shop.EINVALID:      http.StatusBadRequest,
	shop.ECONFLICT:     http.StatusConflict,
	shop.EUNAUTHORIZED: http.StatusUnauthorized,
	shop.EMISMATCH:     http.StatusUnprocessableEntity,
	shop.EUNAVAILABLE:  http.StatusServiceUnavailable,
	shop.EINTERNAL:     http.StatusInternalServerError,
}

// errorStatus maps an error to its status.
func errorStatus(err error) int {
	if st, ok := statusOf[shop.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// fail shows the error page. Internal errors are logged with their details
// and shown as "Internal error."; the others are the customer's to act on.
func (s *Server) fail(c *gin.Context, err error) {
	status := errorStatus(err)
	if status >= 500 {
		s.log.Error("request failed", "err", err, "path", c.Request.URL.Path, "request_id", requestID(c.Request.Context()))
	}
	s.render(c, status, "error", s.statusText(c, status), struct {
		Status  int
		Message string
	}{status, s.msg(c, shop.ErrorText(err))}, 0)
}

// statusText is the name of an HTTP status in the request's language.
func (s *Server) statusText(c *gin.Context, status int) string {
	key := "shop.http." + strconv.Itoa(status)
	if !i18n.Default.Has(s.loc(c).Lang(), key) {
		key = "shop.http.500"
	}
	return s.t(c, key)
}

func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic", "panic", p, "path", c.Request.URL.Path, "request_id", requestID(c.Request.Context()))
			c.AbortWithStatus(http.StatusInternalServerError)
		}
	}()
	c.Next()
}
