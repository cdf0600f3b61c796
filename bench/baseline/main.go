// Command baseline is the yardstick of `make bench` (docs/benchmarks.md): a
// Gin server that binds and validates the same JSON as POST /v1/payments and
// makes one pipelined Redis round trip (the least any stateful payment API
// on Redis can do), answering 201 with a small JSON object. The gateway's
// numbers are reported as ratios to it, measured in the same run.
//
//	go run ./bench/baseline -addr 127.0.0.1:9000 -redis redis://127.0.0.1:6379/0
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// payRequest is the body of POST /v1/payments with the same rules.
type payRequest struct {
	OutTradeNo  string            `json:"out_trade_no" binding:"required,min=1,max=64"`
	Amount      *int64            `json:"amount" binding:"required,min=1,max=10000000000"`
	Currency    string            `json:"currency" binding:"omitempty,oneof=CNY USD EUR HKD JPY"`
	Method      string            `json:"method" binding:"required,oneof=alipay wechat unionpay card"`
	Subject     string            `json:"subject" binding:"required,min=1,max=256"`
	Description string            `json:"description" binding:"max=1024"`
	NotifyURL   string            `json:"notify_url" binding:"omitempty,max=2048,url"`
	ReturnURL   string            `json:"return_url" binding:"omitempty,max=2048,url"`
	ExpiresIn   *int              `json:"expires_in" binding:"omitempty,min=60,max=86400"`
	Metadata    map[string]string `json:"metadata" binding:"max=20"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	redisURL := flag.String("redis", "redis://127.0.0.1:6379/0", "Redis URL")
	flag.Parse()
	opt, err := redis.ParseURL(*redisURL)
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/pay", func(c *gin.Context) {
		var req payRequest
		if err := c.ShouldBindJSON(&req); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		var b [12]byte
		_, _ = rand.Read(b[:])
		id := "pay_" + hex.EncodeToString(b[:])
		ctx := context.Background()
		pipe := rdb.Pipeline()
		pipe.HSet(ctx, "bl:pay:"+id, "otn", req.OutTradeNo, "amount", *req.Amount, "method", req.Method, "subject", req.Subject)
		pipe.Expire(ctx, "bl:pay:"+id, time.Hour)
		if _, err := pipe.Exec(ctx); err != nil {
			c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusCreated, gin.H{"id": id, "object": "payment", "out_trade_no": req.OutTradeNo, "amount": *req.Amount, "status": "pending"})
	})
	log.Fatal(http.ListenAndServe(*addr, r))
}
