package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/text"
)

// Pager pages through one READ window exactly as the platform's iterator
// does: it sends the Watermark the connector returned until the connector
// says the window is done. sync, check and demo share it, so what they
// test is what the platform will do.
//
// A window ends on:
//   - an empty page;
//   - the limit the window started with (watermark.limit > 0) reached;
//   - for PAGE_NUMBER and RECORD_COUNT, a returned offset of 0;
//   - for the other offset types, a returned Watermark with no cursor, or
//     a page shorter than the returned watermark's limit (the page size).
//
// An offset or cursor the window already sent is an error: the connector
// would make the platform loop forever.
type Pager struct {
	c       *host.Connector
	conn    json.RawMessage
	schema  json.RawMessage
	timeout time.Duration

	wm          Watermark // what the next call sends
	limit       int64     // the window's cap, 0 for none
	records     int64     // records this window so far
	pages       int
	done        bool
	reason      string // why the window ended
	capped      bool   // it ended because the limit was reached
	sentOffsets map[int64]bool
	sentCursors map[string]bool

	// Prefetch makes Next start the call for the following page as soon
	// as the connector has returned the current one, while the host still
	// encodes it and the caller handles it: the end system's answer and
	// the connector's mapping of page N+1 overlap the encoding and
	// writing of page N. The pages, their order and every paging decision
	// stay the same; at most one call runs ahead. Call Close when done.
	Prefetch bool
	ahead    *flight
}

// flight is a READ call running on its own goroutine.
type flight struct {
	sent   Watermark
	cancel context.CancelFunc
	peek   chan peeked         // the result's paging fields, before encoding
	done   chan *host.Response // the answer
}

type peeked struct {
	n          int
	wm         Watermark
	offsetType string
	ok         bool
}

// NewPager starts a window with wm as the first watermark.
func NewPager(c *host.Connector, conn, schema json.RawMessage, timeout time.Duration, wm Watermark) *Pager {
	p := &Pager{c: c, conn: conn, schema: schema, timeout: timeout, wm: wm, limit: wm.Limit,
		sentOffsets: map[int64]bool{}, sentCursors: map[string]bool{}}
	return p
}

// CallError is a call that answered the contract's error object.
type CallError struct {
	// Method is the export called.
	Method string
	// Err is the error object it answered.
	Err *host.CallError
}

// Error implements error.
func (e *CallError) Error() string {
	return fmt.Sprintf("%s answered %s", e.Method, e.Err.Error())
}

// PagingError is a connector that breaks the paging rules (it would make
// the platform loop forever, or stall).
type PagingError struct{ msg string }

// Error implements error.
func (e *PagingError) Error() string { return e.msg }

// Next reads one page and decides whether the window goes on. It returns
// the page and the Watermark it sent. After the last page Done reports true.
func (p *Pager) Next(ctx context.Context) (*Page, Watermark, error) {
	sent := p.wm
	if sent.Offset != 0 {
		p.sentOffsets[sent.Offset] = true
	}
	if c := sent.CursorString(); c != "" {
		p.sentCursors[c] = true
	}
	var resp *host.Response
	if !p.Prefetch {
		resp = p.c.Call(ctx, "read", p.conn, ReadBody(p.schema, sent), host.CallOptions{Timeout: p.timeout})
	} else {
		f := p.ahead
		p.ahead = nil
		if f != nil && !sameWatermark(f.sent, sent) {
			f.stop()
			f = nil
		}
		if f == nil {
			f = p.start(ctx, sent)
		}
		select {
		case pk := <-f.peek:
			if next, goOn := p.predict(sent, pk); goOn {
				p.ahead = p.start(ctx, next)
			}
			resp = <-f.done
		case resp = <-f.done:
		}
		f.cancel()
	}
	if resp.Err != nil {
		p.Close()
		return nil, sent, &CallError{Method: "read", Err: resp.Err}
	}
	page, err := ParseReadPage(resp.Body, nil)
	if err != nil {
		p.Close()
		return nil, sent, err
	}
	p.pages++
	p.records += int64(len(page.Records))
	if err := p.advance(sent, page); err != nil {
		p.Close()
		return page, sent, err
	}
	if p.done {
		p.Close()
	}
	return page, sent, nil
}

// Close stops a call running ahead, if any, and waits for it.
func (p *Pager) Close() {
	if p.ahead != nil {
		p.ahead.stop()
		p.ahead = nil
	}
}

// start runs the call for wm on its own goroutine.
func (p *Pager) start(ctx context.Context, wm Watermark) *flight {
	ctx, cancel := context.WithCancel(ctx)
	f := &flight{sent: wm, cancel: cancel, peek: make(chan peeked, 1), done: make(chan *host.Response, 1)}
	opts := host.CallOptions{Timeout: p.timeout, OnRead: func(n int, raw json.RawMessage, offsetType string) {
		pk := peeked{n: n, offsetType: offsetType}
		pk.ok = json.Unmarshal(raw, &pk.wm) == nil
		f.peek <- pk
	}}
	go func() {
		f.done <- p.c.Call(ctx, "read", p.conn, ReadBody(p.schema, wm), opts)
	}()
	return f
}

// stop cancels the call and waits for it to end.
func (f *flight) stop() {
	f.cancel()
	<-f.done
}

// predict applies the paging rules to a result that is not encoded yet:
// the watermark the next call would send, if the window goes on.
func (p *Pager) predict(sent Watermark, pk peeked) (Watermark, bool) {
	if !pk.ok {
		return Watermark{}, false
	}
	q := *p
	q.ahead, q.Prefetch = nil, false
	q.records += int64(pk.n)
	q.pages++
	if err := q.decide(sent, pk.n, pk.wm, pk.offsetType); err != nil || q.done {
		return Watermark{}, false
	}
	return q.wm, true
}

func sameWatermark(a, b Watermark) bool {
	return a.Start == b.Start && a.End == b.End && a.Offset == b.Offset && a.Limit == b.Limit &&
		a.CursorString() == b.CursorString() && (a.Cursor == nil) == (b.Cursor == nil) &&
		a.IsResync == b.IsResync && a.IsTest == b.IsTest && a.Initial == b.Initial
}

// Done reports whether the window has ended.
func (p *Pager) Done() bool { return p.done }

// Reason says why the window ended ("" while it goes on).
func (p *Pager) Reason() string { return p.reason }

// Capped reports whether the window ended at its limit of records.
func (p *Pager) Capped() bool { return p.capped }

// Records counts the records of the window so far.
func (p *Pager) Records() int64 { return p.records }

// Pages counts the pages of the window so far.
func (p *Pager) Pages() int { return p.pages }

// NextWatermark returns the watermark the next call sends.
func (p *Pager) NextWatermark() Watermark { return p.wm }

func (p *Pager) end(reason string) {
	p.done, p.reason = true, reason
}

// advance applies the platform's rules to a page.
func (p *Pager) advance(sent Watermark, page *Page) error {
	return p.decide(sent, len(page.Records), page.Watermark, page.OffsetType)
}

// decide applies the platform's rules to a page of n records that
// returned got: it ends the window or moves p.wm on. It only reads and
// sets p's own fields (predict runs it on a copy).
func (p *Pager) decide(sent Watermark, n int, got Watermark, offsetType string) error {
	switch {
	case n == 0:
		p.end("an empty page")
		return nil
	case p.limit > 0 && p.records >= p.limit:
		p.end(fmt.Sprintf("the window's limit of %d records", p.limit))
		p.capped = true
		return nil
	}
	switch offsetType {
	case "PAGE_NUMBER", "RECORD_COUNT":
		if got.Offset == 0 {
			p.end("offset 0 (the last page)")
			return nil
		}
		if p.sentOffsets[got.Offset] || got.Offset == sent.Offset {
			return &PagingError{fmt.Sprintf("read returned offset %d again (page %d, offsetType %s): the platform would loop forever", got.Offset, p.pages, offsetType)}
		}
	default:
		cur := got.CursorString()
		if cur == "" {
			p.end("no cursor")
			return nil
		}
		if got.Limit > 0 && int64(n) < got.Limit {
			p.end(fmt.Sprintf("a short page (%d < limit %d)", n, got.Limit))
			return nil
		}
		if p.sentCursors[cur] {
			return &PagingError{fmt.Sprintf("read returned cursor %q again (page %d): the platform would loop forever", text.Truncate(cur, 60), p.pages)}
		}
	}
	p.wm = got
	return nil
}

// DescribeOne returns the Schema describe answers for entity.
func DescribeOne(ctx context.Context, c *host.Connector, conn json.RawMessage, entity string, timeout time.Duration) (json.RawMessage, error) {
	req, _ := json.Marshal(map[string]any{"entities": []string{entity}})
	resp := c.Call(ctx, "describe", conn, req, host.CallOptions{Timeout: timeout})
	if resp.Err != nil {
		return nil, &CallError{Method: "describe", Err: resp.Err}
	}
	var schemas []json.RawMessage
	if err := json.Unmarshal(resp.Body, &schemas); err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	if len(schemas) != 1 {
		return nil, fmt.Errorf("describe answered %d schemas for %q", len(schemas), entity)
	}
	return schemas[0], nil
}

// IsCancel reports whether err is the command being interrupted.
func IsCancel(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	return errors.Is(err, context.Canceled)
}
