package distributed

import (
	"bytes"
	"testing"
)

// Every message a coordinator or worker receives decodes to a value or an error,
// never a panic, and a work item that decodes re-encodes to the same bytes.
func FuzzDecodeMessages(f *testing.F) {
	item := encodeWork(nil, 7, 3, 5, []byte(`{"job":1}`), []float64{1, -2.5, 0})
	setTicket(item, 42)
	f.Add(item)
	f.Add(encodeWork(nil, 1, 0, 0, nil, nil))
	f.Add(encodeResult(42, 3, 5, 1.5, 100, ""))
	f.Add(encodeResult(42, 3, 5, 0, 0, "diverged"))
	f.Add(encodeAck(42, 3, 5))
	f.Add(encodePull(8))
	f.Add(noWorkMsg)
	f.Add(encodeBatch(nil, [][]byte{item, []byte("junk")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if w, err := decodeWork(b); err == nil {
			again := encodeWork(nil, w.seed, int(w.gen), int(w.member), w.spec, w.x)
			setTicket(again, w.ticket)
			if w.gen <= 1<<62 && w.member <= 1<<62 && !bytes.Equal(again, b) {
				t.Fatalf("work item %x decodes to %+v, which encodes to %x", b, w, again)
			}
		}
		if r, err := decodeResult(b); err == nil && !r.ack && len(b) < resHeader {
			t.Fatalf("result of %d bytes decoded: %+v", len(b), r)
		}
		if items, errs, err := decodeReply(b); err == nil && len(items) != len(errs) {
			t.Fatalf("batch with %d items and %d errors", len(items), len(errs))
		}
		if n := decodePull(b); n < 1 || n > maxCredit {
			t.Fatalf("pull credit %d", n)
		}
	})
}
