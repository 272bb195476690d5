package host

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	jserrors "github.com/synapsejs/synapse-js/bindings/errors"

	"github.com/dop251/goja"
	"github.com/synapsejs/synapse-js/bindings"
	"github.com/synapsejs/synapse-js/internal/jsjson"
	"github.com/synapsejs/synapse-js/internal/jsvalue"
	"github.com/synapsejs/synapse-js/internal/text"
)

// CallError is an error answer: on the wire, the object
// {"status_code", "message", "detail"} sent with HTTP 200.
type CallError struct {
	// Status is "status_code", the HTTP status the error stands for (the
	// answer itself is sent with 200).
	Status int `json:"status_code"`
	// Message is "message", what went wrong.
	Message string `json:"message"`
	// Detail is "detail", more on the cause; nil is sent as null.
	Detail *string `json:"detail"`
}

// Error implements error.
func (e *CallError) Error() string {
	if e.Detail != nil {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Message, *e.Detail)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

// appendJSON writes the error in the wire's exact form.
func (e *CallError) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"status_code":`...)
	dst = strconv.AppendInt(dst, int64(e.Status), 10)
	dst = append(dst, `,"message":`...)
	dst = jsjson.AppendString(dst, e.Message)
	dst = append(dst, `,"detail":`...)
	if e.Detail == nil {
		dst = append(dst, "null"...)
	} else {
		dst = jsjson.AppendString(dst, *e.Detail)
	}
	return append(dst, '}')
}

// mapError turns whatever a call failed with into the wire's error answer.
func (c *Connector) mapError(ctx context.Context, rt *goja.Runtime, typ string, timeout time.Duration, err error, secrets *bindings.Secrets) *CallError {
	redact := func(ce *CallError) *CallError {
		ce.Message = secrets.Redact(ce.Message)
		if ce.Detail != nil {
			ce.Detail = ptr(secrets.Redact(*ce.Detail))
		}
		return ce
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return redact(ce)
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		_, frame := describeError(c.file, err)
		detail := "stopped"
		if frame.line > 0 {
			detail += " at " + frame.String()
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return redact(&CallError{Status: 504, Message: typ + " was cancelled by its caller", Detail: &detail})
		}
		return redact(&CallError{Status: 504, Message: fmt.Sprintf("%s did not finish within its %s deadline", typ, timeout), Detail: &detail})
	}
	if errors.Is(err, errNeverSettles) {
		return redact(&CallError{Status: 504, Message: typ + " never finished: " + err.Error(), Detail: ptr("an async export awaited something that can never happen")})
	}
	var se *ShapeError
	if errors.As(err, &se) {
		return redact(&CallError{Status: 400, Message: "Invalid response type for request " + typ, Detail: ptr(se.Error())})
	}
	var pe *PanicError
	if errors.As(err, &pe) {
		c.engine.opts.Logger.Error().Str("synapse", c.serving).Str("type", typ).Interface("panic", pe.Value).Bytes("stack", pe.Stack).Msg("panic in a call; runtime discarded")
		return redact(&CallError{Status: 500, Message: "Failed to execute request " + typ, Detail: ptr(fmt.Sprintf("internal error: %v", pe.Value))})
	}
	if val := thrownValue(err); val != nil {
		if info, ok := jserrors.Inspect(rt, val); ok {
			out := &CallError{Status: info.Status, Message: info.Message}
			switch info.Class {
			case jserrors.NotSupported:
				out.Status = 405
			case jserrors.QuotaExceeded:
				out.Status = 429
				if info.RetryAfter > 0 {
					out.Detail = ptr(fmt.Sprintf("retry after %d s", int64(info.RetryAfter+0.999)))
				}
			}
			if out.Detail == nil && info.HasDetail {
				out.Detail = &info.Detail
			}
			if out.Detail == nil {
				if o, ok := val.(*goja.Object); ok {
					if b := o.Get("body"); b != nil && jsvalue.KindOf(b) == jsvalue.String && b.String() != "" {
						out.Detail = ptr(text.Truncate(b.String(), 2048))
					}
				}
			}
			return redact(out)
		}
	}
	msg, frame := describeError(c.file, err)
	detail := msg
	if frame.line > 0 {
		detail += " (at " + frame.String() + ")"
	}
	return redact(&CallError{Status: 400, Message: "Failed to execute request " + typ, Detail: &detail})
}

// stackOf returns the JS stack an error carries: a thrown exception's, or
// where the script was when it was interrupted or overflowed its stack.
func stackOf(err error) []goja.StackFrame {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return ex.Stack()
	}
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		return ie.Stack()
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return so.Stack()
	}
	return nil
}

// thrownValue returns the JS value a script threw or rejected with.
func thrownValue(err error) goja.Value {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return ex.Value()
	}
	var rj *rejection
	if errors.As(err, &rj) {
		return rj.val
	}
	return nil
}

// frame is one position in a script's stack.
type frame struct {
	file      string
	line, col int
}

// String formats the position as file:line:col.
func (f frame) String() string { return fmt.Sprintf("%s:%d:%d", f.file, f.line, f.col) }

// stackLine matches one frame of a goja stack: "at fn (file.js:12:5(34))".
var stackLine = regexp.MustCompile(`([^\s()]+):(\d+):(\d+)(?:\(\d+\))?`)

// describeError returns a thrown value's text ("TypeError: x is not a
// function", a thrown string as is, an object as JSON) and the first stack
// frame in the connector's file, not <native> or the host's preludes.
func describeError(file string, err error) (string, frame) {
	var fr frame
	for _, f := range stackOf(err) {
		pos := f.Position()
		if f.SrcName() == file || (pos.Filename == file && pos.Line > 0) {
			fr = frame{file: file, line: pos.Line, col: pos.Column}
			if pos.Line == 1 {
				fr.col = max(1, fr.col-len(wrapperPrefix))
			}
			break
		}
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return "RangeError: maximum call stack size exceeded (unbounded recursion?)", fr
	}
	val := thrownValue(err)
	if val == nil {
		var ie *goja.InterruptedError
		if errors.As(err, &ie) {
			return "interrupted", fr
		}
		return err.Error(), fr
	}
	o, isObj := val.(*goja.Object)
	if !isObj {
		return val.String(), fr
	}
	if st := o.Get("stack"); st != nil && jsvalue.KindOf(st) == jsvalue.String && fr.line == 0 {
		for _, m := range stackLine.FindAllStringSubmatch(st.String(), -1) {
			if m[1] == file {
				line, _ := strconv.Atoi(m[2])
				col, _ := strconv.Atoi(m[3])
				if line == 1 {
					col = max(1, col-len(wrapperPrefix))
				}
				fr = frame{file: file, line: line, col: col}
				break
			}
		}
	}
	if m := o.Get("message"); m != nil && !goja.IsUndefined(m) {
		name := "Error"
		if n := o.Get("name"); n != nil && jsvalue.KindOf(n) == jsvalue.String {
			name = n.String()
		}
		return name + ": " + m.String(), fr
	}
	b, jerr := jsjson.Append(nil, val)
	if jerr != nil {
		return val.String(), fr
	}
	return string(b), fr
}

// PanicError is a Go panic caught while running a call (a bug in a binding
// or in the host). The runtime it happened in is discarded.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the goroutine's stack where the panic was caught.
	Stack []byte
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// errNeverSettles is a promise left pending with nothing scheduled that
// could settle it.
var errNeverSettles = errors.New("the returned promise never settles: nothing is left that could resolve it")

// rejection is a promise rejected with a value.
type rejection struct{ val goja.Value }

// Error implements error.
func (r *rejection) Error() string { return "promise rejected: " + r.val.String() }
