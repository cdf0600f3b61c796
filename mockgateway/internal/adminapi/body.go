package adminapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonapi"
	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonbind"
)

// maxBody bounds an admin request body.
const maxBody = 1 << 20

const ctxBody = "paysandbox.admin_body"

// readBody reads the whole body up to maxBody; a bigger one is a 413.
func readBody(c *gin.Context) {
	if c.Request.Body != nil {
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			jsonapi.WriteError(c, gateway.Errorf(gateway.BodyTooLarge, "", "The request body is larger than 1 MiB."))
			return
		} else if err != nil {
			jsonapi.WriteError(c, gateway.Errorf(gateway.InvalidJSON, "", "The request body could not be read: %v.", err))
			return
		}
		c.Set(ctxBody, body)
	}
	c.Next()
}

func body(c *gin.Context) []byte {
	b, _ := c.Get(ctxBody)
	raw, _ := b.([]byte)
	return raw
}

// bind decodes and validates the body into obj; on failure it answers 400.
func bind(c *gin.Context, obj any) bool {
	if err := jsonbind.Bind(body(c), obj); err != nil {
		jsonapi.WriteError(c, err)
		return false
	}
	return true
}
