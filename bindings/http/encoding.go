package http

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	nethttp "net/http"
	"strings"
)

// acceptEncoding is what the module asks for when the script does not say:
// the encodings it decodes.
const acceptEncoding = "gzip, deflate"

// UnsupportedEncodingError is a response in a Content-Encoding the module
// does not decode (anything but gzip, deflate and identity: br, zstd...).
type UnsupportedEncodingError struct {
	// Encoding is the response's Content-Encoding.
	Encoding string
}

// Error implements error.
func (e *UnsupportedEncodingError) Error() string {
	return fmt.Sprintf("the response's Content-Encoding %q is not decoded (synapse/http decodes gzip and deflate; ask for one of them with an Accept-Encoding header, or leave it out)", e.Encoding)
}

// decodeBody undoes the response's Content-Encoding (a list, applied in
// order, so undone from the last), holding at most max decoded bytes. It
// drops Content-Encoding and Content-Length from h, which then describe
// the body the script gets. An empty body (a HEAD, a 204) is left as is.
func decodeBody(h nethttp.Header, body []byte, max int64) ([]byte, error) {
	ce := strings.TrimSpace(h.Get("Content-Encoding"))
	if ce == "" {
		return body, nil
	}
	codings := strings.Split(ce, ",")
	for i := len(codings) - 1; i >= 0; i-- {
		c := strings.ToLower(strings.TrimSpace(codings[i]))
		if c == "" || c == "identity" || len(body) == 0 {
			continue
		}
		var r io.Reader
		var err error
		switch c {
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(bytes.NewReader(body))
		case "deflate":
			r, err = deflateReader(body)
		default:
			return nil, &UnsupportedEncodingError{Encoding: strings.TrimSpace(codings[i])}
		}
		if err != nil {
			return nil, fmt.Errorf("decoding the %s response body: %w", c, err)
		}
		if body, err = readCapped(r, max, -1); err != nil {
			if _, tooLarge := err.(*TooLargeError); tooLarge {
				return nil, err
			}
			return nil, fmt.Errorf("decoding the %s response body: %w", c, err)
		}
	}
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	return body, nil
}

// deflateReader reads HTTP's deflate, which is zlib (RFC 1950); some
// servers send a bare deflate stream (RFC 1951), told apart by the zlib
// header check, as browsers do.
func deflateReader(b []byte) (io.Reader, error) {
	if len(b) >= 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0 {
		return zlib.NewReader(bytes.NewReader(b))
	}
	return flate.NewReader(bytes.NewReader(b)), nil
}
