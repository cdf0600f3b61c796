// Package docs embeds the project's machine-readable documents.
package docs

import "embed"

// OpenAPI is the OpenAPI description of the gateway's /v1 and /admin/api
// routes, served at /openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Scenarios is the catalogue of failure scenarios (scenarios.md), which the
// console's scenario page shows.
//
//go:embed scenarios.md
var Scenarios []byte

// Protocols holds each protocol's guide (protocols/NAME.md); the console
// shows the code of its "Pointing …" section beside a merchant's
// credentials.
//
//go:embed protocols
var Protocols embed.FS
