package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/synapsejs/synapse-js/host"
)

// pager pages through one READ window exactly as the platform's iterator
// does: it sends the watermark the connector returned until the connector
// says the window is done. sync, check and demo share it, so what they
// test is what the platform will do.
//
// A window ends on:
//   - an empty page;
//   - the limit the window started with (watermark.limit > 0) reached;
//   - for PAGE_NUMBER and RECORD_COUNT, a returned offset of 0;
//   - for the other offset types, a returned watermark with no cursor, or
//     a page shorter than the returned watermark's limit (the page size).
//
// An offset or cursor the window already sent is an error: the connector
// would make the platform loop forever.
type pager struct {
	c       *host.Connector
	conn    json.RawMessage
	schema  json.RawMessage
	timeout time.Duration

	wm          watermark // what the next call sends
	limit       int64     // the window's cap, 0 for none
	records     int64     // records this window so far
	pages       int
	done        bool
	reason      string // why the window ended
	capped      bool   // it ended because the limit was reached
	sentOffsets map[int64]bool
	sentCursors map[string]bool
}

// newPager starts a window with wm as the first watermark.
func newPager(c *host.Connector, conn, schema json.RawMessage, timeout time.Duration, wm watermark) *pager {
	p := &pager{c: c, conn: conn, schema: schema, timeout: timeout, wm: wm, limit: wm.Limit,
		sentOffsets: map[int64]bool{}, sentCursors: map[string]bool{}}
	return p
}

// callError is a call that answered the contract's error object.
type callError struct {
	method string
	err    *host.CallError
}

func (e *callError) Error() string {
	return fmt.Sprintf("%s answered %s", e.method, e.err.Error())
}

// pagingError is a connector that breaks the paging rules.
type pagingError struct{ msg string }

func (e *pagingError) Error() string { return e.msg }

// next reads one page and decides whether the window goes on. It returns
// the page and the watermark it sent. After the last page p.done is set.
func (p *pager) next(ctx context.Context) (*readPage, watermark, error) {
	sent := p.wm
	if sent.Offset != 0 {
		p.sentOffsets[sent.Offset] = true
	}
	if c := sent.cursor(); c != "" {
		p.sentCursors[c] = true
	}
	resp := p.c.Call(ctx, "read", p.conn, readBody(p.schema, sent), host.CallOptions{Timeout: p.timeout})
	if resp.Err != nil {
		return nil, sent, &callError{method: "read", err: resp.Err}
	}
	page, err := parseReadPage(resp.Body, nil)
	if err != nil {
		return nil, sent, err
	}
	p.pages++
	p.records += int64(len(page.records))
	if err := p.advance(sent, page); err != nil {
		return page, sent, err
	}
	return page, sent, nil
}

func (p *pager) end(reason string) {
	p.done, p.reason = true, reason
}

// advance applies the platform's rules to a page.
func (p *pager) advance(sent watermark, page *readPage) error {
	got := page.wm
	n := len(page.records)
	switch {
	case n == 0:
		p.end("an empty page")
		return nil
	case p.limit > 0 && p.records >= p.limit:
		p.end(fmt.Sprintf("the window's limit of %d records", p.limit))
		p.capped = true
		return nil
	}
	switch page.offsetType {
	case "PAGE_NUMBER", "RECORD_COUNT":
		if got.Offset == 0 {
			p.end("offset 0 (the last page)")
			return nil
		}
		if p.sentOffsets[got.Offset] || got.Offset == sent.Offset {
			return &pagingError{fmt.Sprintf("read returned offset %d again (page %d, offsetType %s): the platform would loop forever", got.Offset, p.pages, page.offsetType)}
		}
	default:
		cur := got.cursor()
		if cur == "" {
			p.end("no cursor")
			return nil
		}
		if got.Limit > 0 && int64(n) < got.Limit {
			p.end(fmt.Sprintf("a short page (%d < limit %d)", n, got.Limit))
			return nil
		}
		if p.sentCursors[cur] {
			return &pagingError{fmt.Sprintf("read returned cursor %q again (page %d): the platform would loop forever", truncateStr(cur, 60), p.pages)}
		}
	}
	p.wm = got
	return nil
}

func truncateStr(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// describeOne returns the Schema describe answers for entity.
func describeOne(ctx context.Context, c *host.Connector, conn json.RawMessage, entity string, timeout time.Duration) (json.RawMessage, error) {
	req, _ := json.Marshal(map[string]any{"entities": []string{entity}})
	resp := c.Call(ctx, "describe", conn, req, host.CallOptions{Timeout: timeout})
	if resp.Err != nil {
		return nil, &callError{method: "describe", err: resp.Err}
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

// isCancel reports whether err is the command being interrupted.
func isCancel(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	return errors.Is(err, context.Canceled)
}
