// Package log is the synapse/log module and the global console of a
// connector script. Lines go to the host's logger for the call in
// progress, which already carries the synapse name, the request type and
// the request id.
//
//	const log = require('synapse/log');
//	log.debug(message, [fields]);
//	log.info('fetched page', {entity: 'persons', count: 500, cursor});
//	log.warn(message, [fields]);
//	log.error(message, [fields]);
//
//	console.log(...args);    // debug
//	console.debug(...args);  // debug
//	console.info(...args);   // info
//	console.warn(...args);   // warn
//	console.error(...args);  // error
//
// fields is a plain object: strings, numbers and booleans are written as
// they are, null as null, dates as ISO strings, objects and arrays as
// nested JSON, errors as their stack ("TypeError: boom ..."); undefined
// and functions are left out. A field named like one the host writes
// (level, message, time, synapse, type, request_id) is written as
// field_<name>. console.* joins its arguments with spaces, objects as
// JSON, errors with their stack.
//
// Every message and field value passes through the call's secret
// redaction (tokens, passwords and keys become [REDACTED]). One message
// or value is capped at 64 KiB and one line at 100 fields. Lines below the
// host's log level cost almost nothing.
//
// # Host integration
//
// Register Module{} in the host's registry for require('synapse/log'), and
// call InstallConsole(vu) once when making a runtime to define console.
// Both read vu.Call() at each call, so one runtime serves many calls.
package log
