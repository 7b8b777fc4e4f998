package render

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// mp4Box is one parsed ISO BMFF box: its type, payload and children (for containers).
type mp4Box struct {
	typ      string
	at       int64 // file offset of the payload
	payload  []byte
	children []*mp4Box
}

var mp4Containers = map[string]bool{"moov": true, "trak": true, "mdia": true, "minf": true, "stbl": true, "dinf": true, "edts": true}

// parseBoxes parses data (starting at file offset base) into boxes, recursing into
// containers and into stsd's sample entry.
func parseBoxes(data []byte, base int64) ([]*mp4Box, error) {
	var out []*mp4Box
	for off := 0; off < len(data); {
		if len(data)-off < 8 {
			return nil, fmt.Errorf("offset %d: %d trailing bytes", base+int64(off), len(data)-off)
		}
		size := int(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		hdr := 8
		if size == 1 {
			size = int(binary.BigEndian.Uint64(data[off+8:]))
			hdr = 16
		}
		if size < hdr || off+size > len(data) {
			return nil, fmt.Errorf("box %q at %d: size %d overruns %d bytes", typ, base+int64(off), size, len(data)-off)
		}
		b := &mp4Box{typ: typ, at: base + int64(off+hdr), payload: data[off+hdr : off+size]}
		var err error
		switch {
		case mp4Containers[typ]:
			b.children, err = parseBoxes(b.payload, b.at)
		case typ == "stsd":
			b.children, err = parseBoxes(b.payload[8:], b.at+8)
		case typ == "avc1":
			b.children, err = parseBoxes(b.payload[78:], b.at+78)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		off += size
	}
	return out, nil
}

func findBox(boxes []*mp4Box, path ...string) *mp4Box {
	for _, b := range boxes {
		if b.typ == path[0] {
			if len(path) == 1 {
				return b
			}
			return findBox(b.children, path[1:]...)
		}
	}
	return nil
}

func u32s(p []byte) []uint32 {
	out := make([]uint32, len(p)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(p[4*i:])
	}
	return out
}

// bitReader reads an H.264 RBSP: big-endian bits and Exp-Golomb codes.
type bitReader struct {
	p   []byte
	pos int
	err bool
}

func (r *bitReader) bit() uint {
	if r.pos >= 8*len(r.p) {
		r.err = true
		return 0
	}
	v := uint(r.p[r.pos/8]>>(7-r.pos%8)) & 1
	r.pos++
	return v
}

func (r *bitReader) bits(n int) uint {
	v := uint(0)
	for range n {
		v = v<<1 | r.bit()
	}
	return v
}

func (r *bitReader) ue() uint {
	zeros := 0
	for r.bit() == 0 && !r.err && zeros < 32 {
		zeros++
	}
	return (1<<zeros - 1) + r.bits(zeros)
}

func (r *bitReader) se() int {
	v := r.ue()
	if v%2 == 1 {
		return int(v+1) / 2
	}
	return -int(v / 2)
}

// spsSize decodes the picture size from a sequence parameter set NAL unit (H.264
// 7.3.2.1.1), including frame cropping.
func spsSize(nal []byte) (w, h int, err error) {
	if len(nal) < 4 || nal[0]&0x1f != 7 {
		return 0, 0, fmt.Errorf("not an SPS: % x", nal[:min(4, len(nal))])
	}
	var rbsp []byte // without emulation-prevention bytes (00 00 03)
	for i := 1; i < len(nal); i++ {
		if i >= 3 && nal[i] == 3 && nal[i-1] == 0 && nal[i-2] == 0 {
			continue
		}
		rbsp = append(rbsp, nal[i])
	}
	r := &bitReader{p: rbsp}
	profile := r.bits(8)
	r.bits(16) // constraint flags, level
	r.ue()     // seq_parameter_set_id
	chroma := uint(1)
	if slices.Contains([]uint{100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}, profile) {
		if chroma = r.ue(); chroma == 3 {
			r.bit()
		}
		r.ue()
		r.ue()
		r.bit()
		if r.bit() == 1 {
			return 0, 0, fmt.Errorf("SPS with scaling matrices: not parsed here")
		}
	}
	r.ue() // log2_max_frame_num_minus4
	switch r.ue() {
	case 0:
		r.ue()
	case 1:
		r.bit()
		r.se()
		r.se()
		for range r.ue() {
			r.se()
		}
	}
	r.ue()
	r.bit()
	wmbs, hmaps := int(r.ue())+1, int(r.ue())+1
	frameOnly := int(r.bit())
	if frameOnly == 0 {
		r.bit()
	}
	r.bit()
	w, h = 16*wmbs, 16*hmaps*(2-frameOnly)
	if r.bit() == 1 {
		cx, cy := 1, 2-frameOnly
		if chroma == 1 {
			cx, cy = 2, 2*(2-frameOnly)
		}
		left, right, top, bottom := int(r.ue()), int(r.ue()), int(r.ue()), int(r.ue())
		w -= cx * (left + right)
		h -= cy * (top + bottom)
	}
	if r.err {
		return 0, 0, fmt.Errorf("SPS truncated")
	}
	return w, h, nil
}

// testFrames draws n frames of w x h: a sky-to-floor gradient with a red square that
// moves right by two pixels a frame.
func testFrames(n, w, h int) []*image.RGBA {
	frames := make([]*image.RGBA, n)
	for i := range frames {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				c := color.RGBA{uint8(200 - y), uint8(210 - y/2), uint8(240 - y), 255}
				if x >= 2*i && x < 2*i+12 && y >= h/3 && y < h/3+12 {
					c = color.RGBA{220, 40, 30, 255}
				}
				img.SetRGBA(x, y, c)
			}
		}
		frames[i] = img
	}
	return frames
}

// checkMP4 parses an MP4 written by MP4.Write and checks its structure: ftyp, moov
// before mdat, one H.264 track of w x h with frames samples at fps, an avcC whose SPS
// has that size, every sample a whole number of length-prefixed NAL units inside mdat,
// sync samples that are IDR pictures, and presentation times that cover each frame once.
func checkMP4(t *testing.T, path string, frames, w, h int, fps float64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	boxes, err := parseBoxes(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, b := range boxes {
		order = append(order, b.typ)
	}
	if strings.Join(order, ",") != "ftyp,moov,mdat" {
		t.Fatalf("top-level boxes %v, want ftyp, moov, mdat", order)
	}
	if !bytes.Contains(boxes[0].payload, []byte("avc1")) || string(boxes[0].payload[:4]) != "isom" {
		t.Fatalf("ftyp %q", boxes[0].payload)
	}
	mdat := boxes[2]
	stbl := findBox(boxes, "moov", "trak", "mdia", "minf", "stbl")
	mdhd := findBox(boxes, "moov", "trak", "mdia", "mdhd")
	hdlr := findBox(boxes, "moov", "trak", "mdia", "hdlr")
	if stbl == nil || mdhd == nil || hdlr == nil {
		t.Fatal("no trak/mdia/minf/stbl, mdhd or hdlr")
	}
	if string(hdlr.payload[8:12]) != "vide" {
		t.Fatalf("handler %q, want vide", hdlr.payload[8:12])
	}
	timescale, duration := binary.BigEndian.Uint32(mdhd.payload[12:]), binary.BigEndian.Uint32(mdhd.payload[16:])
	avc1 := findBox(stbl.children, "stsd", "avc1")
	if avc1 == nil {
		t.Fatal("no avc1 sample entry")
	}
	if gw, gh := binary.BigEndian.Uint16(avc1.payload[24:]), binary.BigEndian.Uint16(avc1.payload[26:]); int(gw) != w || int(gh) != h {
		t.Fatalf("avc1 says %dx%d, want %dx%d", gw, gh, w, h)
	}
	avcC := findBox(avc1.children, "avcC")
	if avcC == nil {
		t.Fatal("no avcC")
	}
	c := avcC.payload
	if c[0] != 1 || c[4]&3 != 3 || c[5]&0x1f != 1 {
		t.Fatalf("avcC header % x: want version 1, 4-byte lengths, one SPS", c[:6])
	}
	spsLen := int(binary.BigEndian.Uint16(c[6:]))
	sps := c[8 : 8+spsLen]
	if sps[1] != c[1] || sps[3] != c[3] {
		t.Fatalf("avcC profile/level %d/%d, SPS %d/%d", c[1], c[3], sps[1], sps[3])
	}
	if sw, sh, err := spsSize(sps); err != nil || sw != w || sh != h {
		t.Fatalf("SPS size %dx%d (%v), want %dx%d", sw, sh, err, w, h)
	}
	if np := c[8+spsLen]; np != 1 || c[9+spsLen+2]&0x1f != 8 {
		t.Fatalf("avcC: %d PPS, NAL type %d", np, c[9+spsLen+2]&0x1f)
	}

	stts := u32s(findBox(stbl.children, "stts").payload[4:])
	sizes := u32s(findBox(stbl.children, "stsz").payload[4:])
	stsc := u32s(findBox(stbl.children, "stsc").payload[4:])
	co := findBox(stbl.children, "co64")
	if len(stts) != 3 || int(stts[1]) != frames {
		t.Fatalf("stts %v: want one run of %d samples", stts, frames)
	}
	if got := float64(timescale) / float64(stts[2]); math.Abs(got-fps) > 1e-3 {
		t.Fatalf("timescale %d / delta %d = %g fps, want %g", timescale, stts[2], got, fps)
	}
	if int(duration) != frames*int(stts[2]) {
		t.Fatalf("mdhd duration %d, want %d", duration, frames*int(stts[2]))
	}
	if sizes[0] != 0 || int(sizes[1]) != frames || len(sizes) != 2+frames {
		t.Fatalf("stsz: %d samples, want %d", sizes[1], frames)
	}
	if len(stsc) != 4 || stsc[0] != 1 || int(stsc[2]) != frames {
		t.Fatalf("stsc %v: want one chunk of all samples", stsc)
	}
	if co == nil {
		t.Fatal("no chunk offsets")
	}
	off := int64(binary.BigEndian.Uint64(co.payload[8:]))
	var total int64
	for _, s := range sizes[2:] {
		total += int64(s)
	}
	if off != mdat.at || total != int64(len(mdat.payload)) {
		t.Fatalf("chunk at %d with %d bytes; mdat payload at %d with %d bytes", off, total, mdat.at, len(mdat.payload))
	}

	// Each sample: whole NAL units; note which hold IDR slices.
	idr := make([]bool, frames)
	for k, s := range sizes[2:] {
		sample := data[off : off+int64(s)]
		off += int64(s)
		slices := 0
		for p := 0; p < len(sample); {
			if len(sample)-p < 4 {
				t.Fatalf("sample %d: %d stray bytes", k, len(sample)-p)
			}
			n := int(binary.BigEndian.Uint32(sample[p:]))
			if n == 0 || p+4+n > len(sample) {
				t.Fatalf("sample %d: NAL of %d bytes at %d overruns %d", k, n, p, len(sample))
			}
			switch sample[p+4] & 0x1f {
			case 5:
				idr[k] = true
				slices++
			case 1:
				slices++
			}
			p += 4 + n
		}
		if slices == 0 {
			t.Fatalf("sample %d has no slice NAL unit", k)
		}
	}
	if !idr[0] {
		t.Fatal("the first sample is not an IDR picture")
	}
	if stss := findBox(stbl.children, "stss"); stss != nil {
		sync := u32s(stss.payload[4:])
		if int(sync[0]) != len(sync)-1 || sync[1] != 1 {
			t.Fatalf("stss %v: want a count and sample 1 first", sync)
		}
		for _, s := range sync[1:] {
			if !idr[s-1] {
				t.Fatalf("sync sample %d is not an IDR picture", s)
			}
		}
	}

	// Presentation: composition offsets (ctts) shifted by the edit list's media time
	// put each frame exactly once at 0, delta, 2 delta, ...
	delta := int64(stts[2])
	shown := make([]int64, frames)
	for k := range shown {
		shown[k] = int64(k) * delta
	}
	if ctts := findBox(stbl.children, "ctts"); ctts != nil {
		runs := u32s(ctts.payload[4:])
		k := 0
		for i := 0; i < int(runs[0]); i++ {
			for range runs[1+2*i] {
				shown[k] += int64(runs[2+2*i])
				k++
			}
		}
		if k != frames {
			t.Fatalf("ctts covers %d samples, want %d", k, frames)
		}
		elst := findBox(boxes, "moov", "trak", "edts", "elst")
		if elst == nil {
			t.Fatal("composition offsets without an edit list")
		}
		start := int64(binary.BigEndian.Uint32(elst.payload[12:]))
		for k := range shown {
			shown[k] -= start
		}
	}
	slices.Sort(shown)
	for k, s := range shown {
		if s != int64(k)*delta {
			t.Fatalf("presentation times %v: want 0, %d, 2*%d, ...", shown, delta, delta)
		}
	}
}

func TestMP4Write(t *testing.T) {
	const n, w, h = 40, 96, 64
	frames := testFrames(n, w, h)
	m := MP4{FPS: 25, KeyInt: 16} // keyframes every 16 frames: several sync samples
	for _, f := range frames {
		if err := m.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	if m.Len() != n {
		t.Fatalf("Len %d, want %d", m.Len(), n)
	}
	path := filepath.Join(t.TempDir(), "a.mp4")
	if err := m.Write(path); err != nil {
		t.Fatal(err)
	}
	checkMP4(t, path, n, w, h, 25)
	data, _ := os.ReadFile(path)
	boxes, _ := parseBoxes(data, 0)
	stbl := findBox(boxes, "moov", "trak", "mdia", "minf", "stbl")
	if stss := findBox(stbl.children, "stss"); stss == nil || u32s(stss.payload[4:])[0] < 3 {
		t.Fatal("want at least 3 keyframes with KeyInt 16 over 40 frames")
	}
	if findBox(stbl.children, "ctts") == nil {
		t.Fatal("the medium preset uses B-frames: want composition offsets")
	}
	if err := m.Add(frames[0]); err == nil {
		t.Fatal("Add after Write accepted")
	}
	decodeWithFFmpeg(t, path, frames)
}

// Videos shorter than x264's look-ahead, at a size where it encodes with frame
// threads, come out whole: every frame is drained at Write.
func TestMP4FewFrames(t *testing.T) {
	frames := testFrames(5, 320, 240)
	for _, n := range []int{1, 2, 5} {
		var m MP4
		for _, f := range frames[:n] {
			if err := m.Add(f); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(t.TempDir(), "few.mp4")
		if err := m.Write(path); err != nil {
			t.Fatalf("%d frames: %v", n, err)
		}
		checkMP4(t, path, n, 320, 240, 30)
	}
}

// The same frames and settings give the same bytes, also after other encodings in
// the same process (which leave x264's freed memory behind).
func TestMP4Deterministic(t *testing.T) {
	encode := func(m MP4, frames []*image.RGBA) []byte {
		for _, f := range frames {
			if err := m.Add(f); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(t.TempDir(), "d.mp4")
		if err := m.Write(path); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	small, big := testFrames(12, 64, 48), testFrames(24, 96, 64)
	want := encode(MP4{}, small)
	for i := range 6 {
		encode(MP4{KeyInt: 8}, big)
		if got := encode(MP4{}, small); !bytes.Equal(got, want) {
			t.Fatalf("encoding %d of the same frames differs: %d bytes, first %d", i+2, len(got), len(want))
		}
	}
}

func TestMP4BadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.mp4")
	if err := (&MP4{}).Write(path); err == nil {
		t.Fatal("empty MP4 written")
	}
	if err := (&MP4{}).Add(image.NewRGBA(image.Rect(0, 0, 33, 32))); err == nil || !strings.Contains(err.Error(), "even") {
		t.Fatalf("odd width: %v", err)
	}
	if err := (&MP4{Preset: "warp"}).Add(image.NewRGBA(image.Rect(0, 0, 32, 32))); err == nil {
		t.Fatal("unknown preset accepted")
	}
	if err := (&MP4{CRF: 60}).Add(image.NewRGBA(image.Rect(0, 0, 32, 32))); err == nil {
		t.Fatal("CRF 60 accepted")
	}
	var m MP4
	if err := m.Add(image.NewRGBA(image.Rect(0, 0, 32, 32))); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(image.NewRGBA(image.Rect(0, 0, 64, 32))); err == nil {
		t.Fatal("a frame of another size accepted")
	}
	if err := m.Write(path); err == nil {
		t.Fatal("Write after a failed Add succeeded")
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a failed MP4 left a file")
	}
	m.Close()
}

// Pure red and blue map to their BT.601 limited-range codes.
func TestRGBAToI420(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for y := range 2 {
		for x := range 4 {
			c := color.RGBA{255, 0, 0, 255} // left 2x2 block red, right one blue
			if x >= 2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	yp, up, vp := make([]byte, 8), make([]byte, 2), make([]byte, 2)
	rgbaToI420(img, yp, 4, up, 2, vp, 2)
	// Red: Y 82, Cb 90, Cr 240 (BT.601 limited range); blue: Y 41, Cb 240, Cr 110.
	if yp[0] != 82 || up[0] != 90 || vp[0] != 240 {
		t.Fatalf("red -> Y %d Cb %d Cr %d, want 82 90 240", yp[0], up[0], vp[0])
	}
	if yp[2] != 41 || up[1] != 240 || vp[1] != 110 {
		t.Fatalf("blue -> Y %d Cb %d Cr %d, want 41 240 110", yp[2], up[1], vp[1])
	}
}

// decodeWithFFmpeg cross-checks with FFmpeg when it is installed (it is not needed):
// ffprobe counts the decoded frames and their size, and the decoded pictures match
// the source within a PSNR of 30 dB.
func decodeWithFFmpeg(t *testing.T, path string, frames []*image.RGBA) {
	t.Helper()
	ffprobe, err1 := exec.LookPath("ffprobe")
	ffmpeg, err2 := exec.LookPath("ffmpeg")
	if err1 != nil || err2 != nil {
		t.Log("ffprobe/ffmpeg not installed: skipping the decode cross-check")
		return
	}
	out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames,width,height,codec_name", "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v: %s", err, out)
	}
	w, h := frames[0].Rect.Dx(), frames[0].Rect.Dy()
	if got, want := strings.TrimSpace(string(out)), fmt.Sprintf("h264,%d,%d,%d", w, h, len(frames)); got != want {
		t.Fatalf("ffprobe: %q, want %q", got, want)
	}
	raw, err := exec.Command(ffmpeg, "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode: %v", err)
	}
	if len(raw) != len(frames)*w*h*3 {
		t.Fatalf("decoded %d bytes, want %d frames of %dx%d", len(raw), len(frames), w, h)
	}
	for i, f := range frames {
		var se float64
		for p := range w * h {
			for c := range 3 {
				d := float64(raw[(i*w*h+p)*3+c]) - float64(f.Pix[4*p+c])
				se += d * d
			}
		}
		psnr := 10 * math.Log10(255*255/(se/float64(3*w*h)))
		if psnr < 30 {
			t.Fatalf("frame %d decodes with PSNR %.1f dB, want >= 30", i, psnr)
		}
		if i == 0 {
			t.Logf("frame 0 PSNR %s dB", strconv.FormatFloat(psnr, 'f', 1, 64))
		}
	}
}
