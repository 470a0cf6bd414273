package main

func cmdConsole(a *app, _ []string) int {
	a.errorf("the console is not built yet; use `resetdesk run`")
	return exitUsage
}
