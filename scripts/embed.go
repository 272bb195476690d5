// Package scripts holds the reference connectors. pipedrive.js is compiled
// into the synapse-js binary so `synapse-js demo` runs from any directory.
package scripts

import _ "embed"

//go:embed pipedrive.js
var pipedriveJS []byte

// Pipedrive returns a copy of scripts/pipedrive.js as it was when the
// binary was built.
func Pipedrive() []byte { return append([]byte(nil), pipedriveJS...) }
