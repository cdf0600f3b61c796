package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"
)

type signinForm struct {
	Email    string `form:"email" binding:"required,email,max=254"`
	Password string `form:"password" binding:"required,max=72"`
	Next     string `form:"next"`
}

type authPage struct {
	Form   any
	Errors fieldErrors
	Next   string
}

func (s *Server) handleSigninForm(c *gin.Context) {
	s.render(c, http.StatusOK, "signin", s.t(c, "shop.title.signin"), authPage{Form: signinForm{}, Next: safeNext(c.Query("next"))}, 0)
}

// dummyHash is compared against when the email is unknown, so a wrong email
// takes as long as a wrong password and does not reveal who has an account.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)

func (s *Server) handleSignin(c *gin.Context) {
	var f signinForm
	if err := c.ShouldBind(&f); err != nil {
		f.Password = ""
		s.render(c, http.StatusUnprocessableEntity, "signin", s.t(c, "shop.title.signin"), authPage{Form: f, Errors: s.formErrors(c, err), Next: safeNext(f.Next)}, 0)
		return
	}
	if msg := s.limitSignin(c, f.Email, "shop.doing.signin"); msg != "" {
		f.Password = ""
		s.render(c, http.StatusTooManyRequests, "signin", s.t(c, "shop.title.signin"), authPage{Form: f, Errors: fieldErrors{"form": msg}, Next: safeNext(f.Next)}, 0)
		return
	}
	u, err := s.accounts.FindUserByEmail(c.Request.Context(), f.Email)
	hash := dummyHash
	if err == nil {
		hash = u.PasswordHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(f.Password)) != nil || err != nil {
		f.Password = ""
		s.render(c, http.StatusUnprocessableEntity, "signin", s.t(c, "shop.title.signin"),
			authPage{Form: f, Errors: fieldErrors{"form": s.t(c, "shop.error.wrong_password")}, Next: safeNext(f.Next)}, 0)
		return
	}
	if err := s.signIn(c, u.ID); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, safeNext(f.Next))
}

// signIn starts a signed-in session under a new token, so a token planted
// before sign-in (session fixation) is worthless afterwards.
func (s *Server) signIn(c *gin.Context, userID int64) error {
	if err := s.sessions.RenewToken(c.Request.Context()); err != nil {
		return err
	}
	s.sessions.Put(c.Request.Context(), sessUserID, userID)
	return nil
}

func (s *Server) handleSignout(c *gin.Context) {
	if err := s.sessions.Destroy(c.Request.Context()); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/")
}
