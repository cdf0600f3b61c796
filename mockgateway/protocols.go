package main

import (
	"github.com/paysandbox/paysandbox/mockgateway/internal/alipay"
	"github.com/paysandbox/paysandbox/mockgateway/internal/native"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/mockgateway/internal/stripe"
	"github.com/paysandbox/paysandbox/mockgateway/internal/wechat"
)

// stripeProtocol is the protocol served on STRIPE_ADDR.
const stripeProtocol = stripe.Name

// protocols are the wire protocols the gateway speaks (DESIGN §10, §11). A
// new protocol is a package with its router, authenticator, error table,
// notifier, return signer and credentials, described by one entry here;
// nothing else changes.
func protocols() []server.Protocol {
	return []server.Protocol{
		native.Protocol(),
		alipay.Protocol(),
		stripe.Protocol(),
		wechat.Protocol(),
	}
}
