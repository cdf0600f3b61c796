// Package docs embeds the project's machine-readable documents.
package docs

import _ "embed"

// OpenAPI is the OpenAPI description of the gateway's /v1 and /admin/api
// routes, served at /openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
