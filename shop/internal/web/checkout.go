package web

import (
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
	"github.com/paysandbox/paysandbox/shop/internal/sqlite"
)

// checkoutForm is the contact and delivery address of an order.
type checkoutForm struct {
	Name       string `form:"name" binding:"required,max=100,text"`
	Email      string `form:"email" binding:"required,email,max=254"`
	Phone      string `form:"phone" binding:"required,max=32,phone"`
	Address    string `form:"address" binding:"required,max=200,text"`
	City       string `form:"city" binding:"required,max=100,text"`
	PostalCode string `form:"postal_code" binding:"required,numeric,len=6"`
}

type checkoutPage struct {
	Cart   cartPage
	Form   checkoutForm
	Errors fieldErrors
}

func (s *Server) handleCheckoutForm(c *gin.Context) {
	cp, err := s.loadCart(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(cp.Lines) == 0 {
		s.setFlash(c, s.t(c, "shop.cart.empty"))
		c.Redirect(http.StatusSeeOther, "/cart")
		return
	}
	u := s.currentUser(c)
	s.render(c, http.StatusOK, "checkout", s.t(c, "shop.title.checkout"), checkoutPage{Cart: cp, Form: checkoutForm{Name: u.Name, Email: u.Email}}, 0)
}

func (s *Server) handleCheckout(c *gin.Context) {
	cp, err := s.loadCart(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(cp.Lines) == 0 {
		s.setFlash(c, s.t(c, "shop.cart.empty"))
		c.Redirect(http.StatusSeeOther, "/cart")
		return
	}
	var f checkoutForm
	if err := c.ShouldBind(&f); err != nil {
		s.render(c, http.StatusUnprocessableEntity, "checkout", s.t(c, "shop.title.checkout"), checkoutPage{Cart: cp, Form: f, Errors: s.formErrors(c, err)}, 0)
		return
	}
	u := s.currentUser(c)
	items := make([]shop.OrderItem, 0, len(cp.Lines))
	for _, l := range cp.Lines {
		items = append(items, shop.OrderItem{ProductID: l.Product.ID, Name: l.Product.Name, UnitPrice: l.Product.Price, Quantity: l.Quantity})
	}
	o, err := s.orders.CreateOrder(c.Request.Context(), sqlite.NewOrder{
		UserID: u.ID, Actor: shop.ActorCustomer(u.Email), Items: items, Currency: cp.Currency, TTL: s.cfg.OrderTTL,
		Contact: shop.Contact{Name: strings.TrimSpace(f.Name), Email: strings.TrimSpace(f.Email), Phone: strings.TrimSpace(f.Phone),
			Address: strings.TrimSpace(f.Address), City: strings.TrimSpace(f.City), PostalCode: f.PostalCode},
		NewNo: func() (string, error) { return shop.NewOrderNo(s.cfg.Now(), rand.Reader) },
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.saveCart(c, nil)
	c.Redirect(http.StatusSeeOther, "/orders/"+o.No+"/pay")
}
