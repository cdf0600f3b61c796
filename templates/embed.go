// Package templates embeds the HTML templates and static files of both
// binaries, so each is a single file that needs nothing beside it.
package templates

import "embed"

// Gateway holds the mock gateway's pages (cashier, results).
//
//go:embed gateway
var Gateway embed.FS

// Shop holds the sandbox shop's pages.
//
//go:embed shop
var Shop embed.FS

// Static holds CSS, images and vendored scripts served under /static/.
//
//go:embed static
var Static embed.FS

// Console holds the gateway's QA console pages (/admin).
//
//go:embed console
var Console embed.FS
