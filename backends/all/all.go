// Package all registers every back-end kind: import it for its side effect. Each kind
// has its own file here with one blank import.
package all
