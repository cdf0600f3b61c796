package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

func (s *Server) handleCatalogue(c *gin.Context) {
	products, err := s.catalogue.ListProducts(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "catalogue", s.t(c, "shop.title.catalogue"), products, 0)
}

func (s *Server) handleProduct(c *gin.Context) {
	p, err := s.catalogue.FindProduct(c.Request.Context(), 0, c.Param("slug"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "product", productText(s.loc(c), p.Slug, "name", p.Name), p, 0)
}

type cartLine struct {
	Product  shop.Product
	Quantity int
	Total    int64
}

type cartPage struct {
	Lines    []cartLine
	Total    int64
	Currency string
}

// loadCart resolves the session cart against the catalogue in one query,
// dropping products that are gone.
func (s *Server) loadCart(c *gin.Context) (cartPage, error) {
	ct := s.cart(c)
	page := cartPage{Currency: "CNY"}
	ids := ct.ids()
	products, err := s.catalogue.FindProducts(c.Request.Context(), ids)
	if err != nil {
		return page, err
	}
	gone := false
	for _, id := range ids {
		p, ok := products[id]
		if !ok {
			delete(ct, id)
			gone = true
			continue
		}
		line := cartLine{Product: p, Quantity: ct[id], Total: p.Price * int64(ct[id])}
		page.Lines = append(page.Lines, line)
		page.Total += line.Total
	}
	if gone {
		s.saveCart(c, ct)
	}
	return page, nil
}

func (s *Server) handleCart(c *gin.Context) {
	page, err := s.loadCart(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "cart", s.t(c, "shop.title.cart"), page, 0)
}

type cartForm struct {
	ProductID int64 `form:"product_id" binding:"required,min=1"`
	Quantity  int   `form:"quantity" binding:"min=0,max=99"`
}

// handleCartAdd adds to the quantity in the cart; handleCartSet replaces it
// (0 removes the line).
func (s *Server) handleCartAdd(c *gin.Context) { s.changeCart(c, true) }

func (s *Server) handleCartSet(c *gin.Context) { s.changeCart(c, false) }

func (s *Server) changeCart(c *gin.Context, add bool) {
	var f cartForm
	if err := c.ShouldBind(&f); err != nil {
		s.setFlash(c, s.t(c, "shop.flash.quantity", "Min", shop.MinQuantity, "Max", shop.MaxQuantity))
		c.Redirect(http.StatusSeeOther, "/cart")
		return
	}
	p, err := s.catalogue.FindProduct(c.Request.Context(), f.ProductID, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	ct := s.cart(c)
	q := f.Quantity
	if add {
		q = ct[p.ID] + max(q, 1)
	}
	switch {
	case q <= 0:
		delete(ct, p.ID)
	case q > shop.MaxQuantity:
		s.setFlash(c, s.t(c, "shop.flash.at_most", "Count", shop.MaxQuantity))
		c.Redirect(http.StatusSeeOther, "/cart")
		return
	default:
		ct[p.ID] = q
	}
	s.saveCart(c, ct)
	if add {
		s.setFlash(c, s.t(c, "shop.flash.added", "Product", productText(s.loc(c), p.Slug, "name", p.Name)))
	}
	c.Redirect(http.StatusSeeOther, "/cart")
}
