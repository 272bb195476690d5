package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/synapsejs/synapse-js/host"
	"github.com/synapsejs/synapse-js/internal/benchkit"
)

// engineReader pages through the window with wire READ calls to
// pipedrive.js in this process, as the platform would.
type engineReader struct {
	eng  *host.Engine
	c    *host.Connector
	conn json.RawMessage
}

func newEngineReader(ctx context.Context, script string, conn json.RawMessage) (*engineReader, error) {
	src, err := os.ReadFile(script)
	if err != nil {
		return nil, err
	}
	eng := host.New(host.StdOptions(host.Options{Timeout: time.Minute}))
	c, err := eng.Load(ctx, script, src)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", script, err)
	}
	return &engineReader{eng: eng, c: c, conn: conn}, nil
}

func (e *engineReader) close() { e.c.Close() }

// page makes one READ call and returns its wire answer.
func (e *engineReader) page(wm benchkit.Watermark) ([]byte, error) {
	envl, err := json.Marshal(map[string]any{
		"type": "READ", "connection": e.conn, "requestId": "bench",
		"body": map[string]any{"entity": json.RawMessage(`{"apiName":"person","displayName":"Person","attributes":[]}`), "watermark": wm},
	})
	if err != nil {
		return nil, err
	}
	r := e.c.Invoke(context.Background(), envl, host.CallOptions{})
	if r.Err != nil {
		return nil, fmt.Errorf("READ: %v", r.Err)
	}
	return r.Body, nil
}

func (e *engineReader) readAll() (int, error) {
	wm := benchkit.Window500()
	records := 0
	for {
		body, err := e.page(wm)
		if err != nil {
			return records, err
		}
		n, next, err := scanPage(body)
		if err != nil {
			return records, err
		}
		records += n
		if n == 0 || n < int(wm.Limit) {
			return records, nil
		}
		wm = next
	}
}

func (e *engineReader) onePage() (int, error) {
	body, err := e.page(benchkit.Window500())
	if err != nil {
		return 0, err
	}
	n, _, err := scanPage(body)
	return n, err
}

// scanPage reads a READ answer's record count and watermark without
// decoding the records, as the Node driver does.
func scanPage(body []byte) (int, benchkit.Watermark, error) {
	var wm benchkit.Watermark
	i := bytes.LastIndex(body, []byte(`"watermark":`))
	if i < 0 {
		return 0, wm, fmt.Errorf("no watermark in the answer")
	}
	if err := json.NewDecoder(bytes.NewReader(body[i+len(`"watermark":`):])).Decode(&wm); err != nil {
		return 0, wm, err
	}
	return bytes.Count(body[:i], []byte(`,"lastModified":`)), wm, nil
}

type goReader struct{ r *benchkit.GoReader }

func newGoReader(base, token string) *goReader { return &goReader{benchkit.NewGoReader(base, token)} }

func (g *goReader) readAll() (int, error) {
	n, _, err := g.r.ReadAll(benchkit.Window500())
	return n, err
}

func (g *goReader) onePage() (int, error) {
	_, n, _, err := g.r.Page(benchkit.Window500())
	return n, err
}
