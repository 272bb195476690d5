package pipedrive

// The list bodies are written by hand from items encoded once (stored
// bodies, field definitions), not marshalled again per request; these
// helpers are the one copy of that envelope for each way of paging.

// appendItems appends items, each encoded by raw, as the comma-separated
// elements of a JSON array.
func appendItems[T any](b []byte, items []T, raw func(T) []byte) []byte {
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, raw(it)...)
	}
	return b
}

// offsetCursorPage is the body of the page of items from start (an offset
// cursor, as parseCursorLimit reads it) of at most limit items; its
// next_cursor is null on the last page.
func offsetCursorPage[T any](items []T, start, limit int, raw func(T) []byte) []byte {
	start = min(start, len(items))
	end := min(start+limit, len(items))
	var b []byte
	b = append(b, `{"success":true,"data":[`...)
	b = appendItems(b, items[start:end], raw)
	b = append(b, `],"additional_data":{"next_cursor":`...)
	if end < len(items) {
		b = append(b, '"')
		b = append(b, offsetCursor(end)...)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	return append(b, "}}"...)
}

// objBody and fieldV2JSON pick an item's encoding for the page helpers.
func objBody(o *obj) []byte          { return o.body }
func fieldV2JSON(d *fieldDef) []byte { return d.v2JSON }

// startLimitPage is the body of a v1 page of at most limit items from
// start. Where the v1 endpoints differ is additional_data, so extra
// appends that object from the page's start, limit and whether more
// items follow.
func startLimitPage[T any](items []T, start, limit int, raw func(T) []byte, extra func(b []byte, start, limit int, more bool) []byte) []byte {
	start = min(start, len(items))
	end := min(start+limit, len(items))
	var b []byte
	b = append(b, `{"success":true,"data":[`...)
	b = appendItems(b, items[start:end], raw)
	b = append(b, `],"additional_data":`...)
	b = extra(b, start, limit, end < len(items))
	return append(b, '}')
}

// appendPagination is the additional_data of most v1 lists:
// {"pagination":{start, limit, more_items_in_collection, next_start}}.
func appendPagination(b []byte, start, limit int, more bool) []byte {
	b = append(b, `{"pagination":`...)
	b = append(b, paginationJSON(start, limit, more)...)
	return append(b, '}')
}

func fieldV1JSON(d *fieldDef) []byte { return d.v1JSON }
