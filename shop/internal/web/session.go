package web

import (
	"encoding/json"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

// Session keys.
const (
	sessUserID = "user_id"
	sessCart   = "cart"
	sessFlash  = "flash"
)

const ctxUser = "shop.user"

// currentUser returns the signed-in user, loaded once per request.
func (s *Server) currentUser(c *gin.Context) *shop.User {
	if v, ok := c.Get(ctxUser); ok {
		u, _ := v.(*shop.User)
		return u
	}
	var u *shop.User
	if id := s.sessions.GetInt64(c.Request.Context(), sessUserID); id != 0 {
		found, err := s.accounts.FindUserByID(c.Request.Context(), id)
		if err == nil {
			u = found
		}
	}
	c.Set(ctxUser, u)
	return u
}

func (s *Server) setFlash(c *gin.Context, msg string) {
	s.sessions.Put(c.Request.Context(), sessFlash, msg)
}

func (s *Server) popFlash(c *gin.Context) string {
	return s.sessions.PopString(c.Request.Context(), sessFlash)
}

// cart is product id → quantity, kept in the session as JSON so it needs no
// gob registration and survives sign-in (RenewToken keeps the data).
type cart map[int64]int

func (s *Server) cart(c *gin.Context) cart {
	out := cart{}
	if raw := s.sessions.GetString(c.Request.Context(), sessCart); raw != "" {
		_ = json.Unmarshal([]byte(raw), &out)
	}
	return out
}

func (s *Server) saveCart(c *gin.Context, ct cart) {
	if len(ct) == 0 {
		s.sessions.Remove(c.Request.Context(), sessCart)
		return
	}
	b, _ := json.Marshal(ct)
	s.sessions.Put(c.Request.Context(), sessCart, string(b))
}

func (s *Server) cartCount(c *gin.Context) int {
	n := 0
	for _, q := range s.cart(c) {
		n += q
	}
	return n
}

// ids returns the cart's product ids in a stable order.
func (ct cart) ids() []int64 {
	out := make([]int64, 0, len(ct))
	for id := range ct {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
