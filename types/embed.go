// Package types holds synapse.d.ts, the TypeScript declarations of what a
// connector script sees. It is compiled into the binary so `synapse-js
// init` ships the file with every scaffold, always the version the binary
// runs.
package types

import _ "embed"

//go:embed synapse.d.ts
var dts []byte

// DTS returns a copy of synapse.d.ts.
func DTS() []byte { return append([]byte(nil), dts...) }
