// Package e2e holds the browser journeys (DESIGN §9, issue 16): Go tests
// that drive Debian's headless Chromium through chromedp over the real
// mockgateway and shop binaries, through their pages only, as a customer and
// customer service would.
package e2e
