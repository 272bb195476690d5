//go:build race

package server_test

// raceBuild: this test binary, hence its workers, is built with -race,
// whose shadow memory cannot live under an address-space cap.
const raceBuild = true
