// Command shop is the PaySandbox sandbox shop. It is being built (issue 6);
// until then it only says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "shop: the sandbox shop is not built yet; run the gateway with `go run ./mockgateway`")
	os.Exit(1)
}
