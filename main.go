// Command resetdesk is a terminal helpdesk console for password resets in Odin
// (BroadWorks), ADManager Plus, WebADM, WSO2 EMM and the Password Reset Module. With no
// command it opens the console; `run` serves scripts and `serve` serves the console over
// SSH, all with the same session and runner (see package cli).
package main

import (
	"context"
	"os"

	"resetdesk/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.OSEnv()))
}
