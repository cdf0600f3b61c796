package i18n

import (
	"net/http"
	"time"
)

// ChoiceMaxAge is how long a person's choice of language is remembered.
const ChoiceMaxAge = 365 * 24 * time.Hour

// Choice returns the language a person chose on the site, remembered in
// the cookie name; "" when there is none or it is not a supported language.
func Choice(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil || !Supported(c.Value) {
		return ""
	}
	return c.Value
}

// Remember stores the choice of lang in the cookie name. The cookie is read
// by the server only (HttpOnly) and Secure when the site is served over
// https.
func Remember(w http.ResponseWriter, name, lang string, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: lang, Path: "/", MaxAge: int(ChoiceMaxAge / time.Second),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

// Switch answers the language switcher's form (POST with lang and next):
// it remembers a supported lang in the cookie and sends the browser back to
// next, which local makes safe (a path on this site). An unknown language
// changes nothing.
func Switch(w http.ResponseWriter, r *http.Request, cookie string, secure bool, local func(string) string) {
	if lang := r.PostFormValue("lang"); Supported(lang) {
		Remember(w, cookie, lang, secure)
	}
	http.Redirect(w, r, local(r.PostFormValue("next")), http.StatusSeeOther)
}

// Request returns the language of a request: the person's choice in the
// cookie, then each of prefer that is supported (a payment's locale), then
// Accept-Language, then English.
func (c *Catalogue) Request(r *http.Request, cookie string, prefer ...string) string {
	return c.Negotiate(r.Header.Get("Accept-Language"), append([]string{Choice(r, cookie)}, prefer...)...)
}
