package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/mockgateway/internal/jsonapi"
)

func (g *Gateway) handleHealthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (g *Gateway) handleReadyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := g.Store.Ping(ctx); err != nil {
		g.cfg.Log.Warn("not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "redis": "unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "redis": "ok"})
}

func writeAPIError(c *gin.Context, err error) { jsonapi.WriteError(c, err) }
