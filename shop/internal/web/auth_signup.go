package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/paysandbox/paysandbox/shop/internal/shop"
)

type signupForm struct {
	Name            string `form:"name" binding:"required,max=100,text"`
	Email           string `form:"email" binding:"required,email,max=254"`
	Password        string `form:"password" binding:"required,min=8,maxbytes=72"`
	PasswordConfirm string `form:"password_confirm" binding:"required,eqfield=Password"`
	Next            string `form:"next"`
}

func (s *Server) handleSignupForm(c *gin.Context) {
	s.render(c, http.StatusOK, "signup", s.t(c, "shop.title.signup"), authPage{Form: signupForm{}, Next: safeNext(c.Query("next"))}, 0)
}

func (s *Server) handleSignup(c *gin.Context) {
	var f signupForm
	err := c.ShouldBind(&f)
	// Passwords are never sent back to the browser.
	again := func(errs fieldErrors) {
		f.Password, f.PasswordConfirm = "", ""
		s.render(c, http.StatusUnprocessableEntity, "signup", s.t(c, "shop.title.signup"), authPage{Form: f, Errors: errs, Next: safeNext(f.Next)}, 0)
	}
	if err != nil {
		again(s.formErrors(c, err))
		return
	}
	if msg := s.limitSignin(c, f.Email, "shop.doing.signup"); msg != "" {
		f.Password, f.PasswordConfirm = "", ""
		s.render(c, http.StatusTooManyRequests, "signup", s.t(c, "shop.title.signup"), authPage{Form: f, Errors: fieldErrors{"form": msg}, Next: safeNext(f.Next)}, 0)
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(f.Password), bcrypt.DefaultCost)
	if err != nil {
		s.fail(c, err)
		return
	}
	u := &shop.User{Email: f.Email, Name: strings.TrimSpace(f.Name), Role: shop.RoleCustomer, PasswordHash: hash}
	if err := s.accounts.CreateUser(c.Request.Context(), u); err != nil {
		if shop.ErrorCode(err) == shop.ECONFLICT {
			again(fieldErrors{"email": s.msg(c, shop.ErrorText(err))})
			return
		}
		s.fail(c, err)
		return
	}
	if err := s.signIn(c, u.ID); err != nil {
		s.fail(c, err)
		return
	}
	s.setFlash(c, s.t(c, "shop.flash.welcome", "Name", u.Name))
	c.Redirect(http.StatusSeeOther, safeNext(f.Next))
}
