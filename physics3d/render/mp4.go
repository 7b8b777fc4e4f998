package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"slices"
	"strings"
)

// MP4 encodes frames to H.264 (High profile, 4:2:0, libx264) and stores them as an
// MP4 file with one video track. The encoded frames are kept in memory until Write
// (a few tens of kilobytes per frame at the defaults), so the file can start with its
// index (moov before mdat) and play while it downloads. Width and height must be even.
// Call Write, or Close to discard the video; either frees the encoder.
type MP4 struct {
	FPS    float64 // frames per second (default 30; kept to three decimals)
	CRF    float64 // x264's constant rate factor in (0, 51]: lower is better and larger (default 23)
	Preset string  // x264 speed preset, "ultrafast" .. "placebo" (default "medium")
	KeyInt int     // at most this many frames between keyframes (default 250, x264's)

	enc    *h264Encoder
	frames []encodedFrame
	added  int
	err    error // the first error of Add, returned again by Write
}

func (m *MP4) settings() (fps, crf float64, preset string) {
	fps, crf, preset = m.FPS, m.CRF, m.Preset
	if fps <= 0 {
		fps = 30
	}
	if crf == 0 {
		crf = 23
	}
	if preset == "" {
		preset = "medium"
	}
	return fps, crf, preset
}

// Validate checks the settings (Add checks them too, with the first frame).
func (m *MP4) Validate() error {
	fps, crf, preset := m.settings()
	if num, _ := rationalFPS(fps); num <= 0 || fps > 1000 {
		return fmt.Errorf("mp4: %g frames per second: must be in (0, 1000]", fps)
	}
	if crf < 0 || crf > 51 {
		return fmt.Errorf("mp4: CRF %g: must be in (0, 51]", crf)
	}
	if !slices.Contains(x264Presets, preset) {
		return fmt.Errorf("mp4: unknown x264 preset %q (one of %s)", preset, strings.Join(x264Presets, ", "))
	}
	if m.KeyInt < 0 {
		return fmt.Errorf("mp4: KeyInt %d: must be >= 0", m.KeyInt)
	}
	return nil
}

// Add encodes a frame; the first fixes the video's size.
func (m *MP4) Add(img image.Image) error {
	if m.err != nil {
		return m.err
	}
	if m.enc == nil {
		if m.added > 0 {
			return errors.New("mp4: add after Write or Close")
		}
		if m.err = m.Validate(); m.err != nil {
			return m.err
		}
		fps, crf, preset := m.settings()
		b := img.Bounds()
		if m.enc, m.err = newH264Encoder(b.Dx(), b.Dy(), fps, crf, preset, m.KeyInt); m.err != nil {
			return m.err
		}
	}
	if m.frames, m.err = m.enc.encode(img, m.frames); m.err != nil {
		m.Close()
		return m.err
	}
	m.added++
	return nil
}

// Len is the number of frames added.
func (m *MP4) Len() int { return m.added }

// Close frees the encoder without writing a file.
func (m *MP4) Close() {
	if m.enc != nil {
		m.enc.close()
	}
	m.enc = nil
}

// Write drains the encoder, stores the video at path and frees the encoder.
func (m *MP4) Write(path string) error {
	if m.err != nil {
		return fmt.Errorf("write mp4 %s: %w", path, m.err)
	}
	if m.enc == nil || m.added == 0 {
		return fmt.Errorf("write %s: no frames", path)
	}
	enc := m.enc
	defer m.Close()
	var err error
	if m.frames, err = enc.flush(m.frames); err != nil {
		return fmt.Errorf("write mp4 %s: %w", path, err)
	}
	if len(m.frames) != m.added {
		return fmt.Errorf("write mp4 %s: libx264 returned %d frames for %d added", path, len(m.frames), m.added)
	}
	t := mp4Track{width: enc.w, height: enc.h, timescale: enc.fpsNum, delta: enc.fpsDen, sps: enc.sps, pps: enc.pps, frames: m.frames}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write mp4: %w", err)
	}
	if err := writeMP4(f, &t); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write mp4 %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write mp4 %s: %w", path, err)
	}
	m.frames = nil
	return nil
}

// mp4Track is one constant-frame-rate H.264 track: frame k (in decode order) is
// decoded at k*delta and shown at (frames[k].pts + shift)*delta, in units of
// 1/timescale seconds.
type mp4Track struct {
	width, height    int
	timescale, delta int
	sps, pps         []byte
	frames           []encodedFrame
}

// writeMP4 writes ftyp, moov and mdat (ISO/IEC 14496-12 with the AVC file format of
// 14496-15). All samples form one chunk at the start of mdat. With B-frames, decode
// order differs from presentation order: ctts holds each sample's composition offset
// (made non-negative by a shift of a few frames) and an edit list skips that shift.
func writeMP4(w io.Writer, t *mp4Track) error {
	n := len(t.frames)
	if n == 0 {
		return errors.New("no frames")
	}
	if len(t.sps) < 4 || len(t.pps) == 0 {
		return errors.New("missing SPS or PPS")
	}
	// Presentation order must be a permutation of 0..n-1; the shift is the largest lead
	// of a frame's decode index over its presentation index.
	seen := make([]bool, n)
	shift := int64(0)
	var data int64
	for k, f := range t.frames {
		if f.pts < 0 || f.pts >= int64(n) || seen[f.pts] {
			return fmt.Errorf("frame %d has presentation index %d: not a permutation of 0..%d", k, f.pts, n-1)
		}
		seen[f.pts] = true
		shift = max(shift, int64(k)-f.pts)
		data += int64(len(f.data))
	}
	mediaDur := uint64(n) * uint64(t.delta)
	const movieScale = 1000
	movieDur := (mediaDur*movieScale + uint64(t.timescale)/2) / uint64(t.timescale)

	var ftyp box
	ftyp.open("ftyp")
	ftyp.str("isom")
	ftyp.u32(0x200)
	ftyp.str("isom")
	ftyp.str("iso2")
	ftyp.str("avc1")
	ftyp.str("mp41")
	ftyp.close()

	var b box
	b.open("moov")
	b.full("mvhd", 0, 0)
	b.u32(0) // creation and modification times: unknown, so the file is reproducible
	b.u32(0)
	b.u32(movieScale)
	b.u32(uint32(movieDur))
	b.u32(0x00010000) // rate 1.0
	b.u16(0x0100)     // volume 1.0
	b.zeros(10)
	b.matrix()
	b.zeros(24)
	b.u32(2) // next track id
	b.close()

	b.open("trak")
	b.full("tkhd", 0, 3) // enabled, in movie
	b.u32(0)
	b.u32(0)
	b.u32(1) // track id
	b.u32(0)
	b.u32(uint32(movieDur))
	b.zeros(8)
	b.u16(0) // layer
	b.u16(0) // alternate group
	b.u16(0) // volume: video
	b.u16(0)
	b.matrix()
	b.u32(uint32(t.width) << 16)
	b.u32(uint32(t.height) << 16)
	b.close()
	if shift > 0 {
		b.open("edts")
		b.full("elst", 0, 0)
		b.u32(1)
		b.u32(uint32(movieDur))
		b.u32(uint32(shift) * uint32(t.delta)) // media time where presentation starts
		b.u32(0x00010000)                      // rate 1.0
		b.close()
		b.close()
	}

	b.open("mdia")
	b.full("mdhd", 0, 0)
	b.u32(0)
	b.u32(0)
	b.u32(uint32(t.timescale))
	b.u32(uint32(mediaDur))
	b.u16(0x55c4) // language "und"
	b.u16(0)
	b.close()
	b.full("hdlr", 0, 0)
	b.u32(0)
	b.str("vide")
	b.zeros(12)
	b.buf = append(b.buf, "gorl video\x00"...)
	b.close()

	b.open("minf")
	b.full("vmhd", 0, 1)
	b.zeros(8) // graphics mode, opcolor
	b.close()
	b.open("dinf")
	b.full("dref", 0, 0)
	b.u32(1)
	b.full("url ", 0, 1) // media data in this file
	b.close()
	b.close()
	b.close()

	b.open("stbl")
	b.full("stsd", 0, 0)
	b.u32(1)
	b.open("avc1")
	b.zeros(6)
	b.u16(1) // data reference index
	b.zeros(16)
	b.u16(uint16(t.width))
	b.u16(uint16(t.height))
	b.u32(0x00480000) // 72 dpi
	b.u32(0x00480000)
	b.u32(0)
	b.u16(1) // frames per sample
	name := make([]byte, 32)
	name[0] = byte(copy(name[1:], "gorl x264"))
	b.buf = append(b.buf, name...)
	b.u16(0x18) // depth: colour, no alpha
	b.u16(0xffff)
	b.avcC(t.sps, t.pps)
	b.close()
	b.close()

	b.full("stts", 0, 0)
	b.u32(1)
	b.u32(uint32(n))
	b.u32(uint32(t.delta))
	b.close()

	if shift > 0 {
		// Run-length coded composition offsets.
		type run struct{ count, offset uint32 }
		var runs []run
		for k, f := range t.frames {
			off := uint32(f.pts+shift-int64(k)) * uint32(t.delta)
			if len(runs) > 0 && runs[len(runs)-1].offset == off {
				runs[len(runs)-1].count++
			} else {
				runs = append(runs, run{1, off})
			}
		}
		b.full("ctts", 0, 0)
		b.u32(uint32(len(runs)))
		for _, r := range runs {
			b.u32(r.count)
			b.u32(r.offset)
		}
		b.close()
	}

	var sync []uint32
	for k, f := range t.frames {
		if f.key {
			sync = append(sync, uint32(k+1))
		}
	}
	if len(sync) < n {
		b.full("stss", 0, 0)
		b.u32(uint32(len(sync)))
		for _, s := range sync {
			b.u32(s)
		}
		b.close()
	}

	b.full("stsc", 0, 0)
	b.u32(1)
	b.u32(1)         // first chunk
	b.u32(uint32(n)) // samples per chunk: all
	b.u32(1)         // sample description
	b.close()

	b.full("stsz", 0, 0)
	b.u32(0)
	b.u32(uint32(n))
	for _, f := range t.frames {
		b.u32(uint32(len(f.data)))
	}
	b.close()

	large := data+16 > 1<<32-1
	mdatHeader := int64(8)
	if large {
		mdatHeader = 16
	}
	// The chunk offset depends on moov's size, which does not depend on its value.
	b.full("co64", 0, 0)
	b.u32(1)
	coAt := len(b.buf)
	b.u64(0)
	b.close()
	b.close() // stbl
	b.close() // minf
	b.close() // mdia
	b.close() // trak
	b.close() // moov
	if len(b.stack) != 0 {
		return errors.New("mp4: unbalanced boxes")
	}
	binary.BigEndian.PutUint64(b.buf[coAt:], uint64(int64(len(ftyp.buf)+len(b.buf))+mdatHeader))

	if _, err := w.Write(ftyp.buf); err != nil {
		return err
	}
	if _, err := w.Write(b.buf); err != nil {
		return err
	}
	var hdr []byte
	if large {
		hdr = binary.BigEndian.AppendUint32(hdr, 1)
		hdr = append(hdr, "mdat"...)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(data+16))
	} else {
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(data+8))
		hdr = append(hdr, "mdat"...)
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	for _, f := range t.frames {
		if _, err := w.Write(f.data); err != nil {
			return err
		}
	}
	return nil
}

// box builds nested ISO BMFF boxes in one buffer, patching each size on close.
type box struct {
	buf   []byte
	stack []int
}

func (b *box) open(typ string) {
	b.stack = append(b.stack, len(b.buf))
	b.u32(0)
	b.str(typ)
}

// full opens a "full box": version and 24-bit flags follow the type.
func (b *box) full(typ string, version uint8, flags uint32) {
	b.open(typ)
	b.u32(uint32(version)<<24 | flags&0xffffff)
}

func (b *box) close() {
	at := b.stack[len(b.stack)-1]
	b.stack = b.stack[:len(b.stack)-1]
	binary.BigEndian.PutUint32(b.buf[at:], uint32(len(b.buf)-at))
}

func (b *box) u16(v uint16) { b.buf = binary.BigEndian.AppendUint16(b.buf, v) }
func (b *box) u32(v uint32) { b.buf = binary.BigEndian.AppendUint32(b.buf, v) }
func (b *box) u64(v uint64) { b.buf = binary.BigEndian.AppendUint64(b.buf, v) }
func (b *box) str(s string) { b.buf = append(b.buf, s...) }
func (b *box) zeros(n int)  { b.buf = append(b.buf, make([]byte, n)...) }

// matrix writes the identity transformation matrix (16.16 and 2.30 fixed point).
func (b *box) matrix() {
	for _, v := range []uint32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000} {
		b.u32(v)
	}
}

// avcC writes the AVC decoder configuration record (ISO/IEC 14496-15 5.3.3.1) with
// one SPS and one PPS and 4-byte NAL unit lengths; High profiles add the chroma
// format and bit depths.
func (b *box) avcC(sps, pps []byte) {
	b.open("avcC")
	profile := sps[1]
	b.buf = append(b.buf, 1, profile, sps[2], sps[3], 0xfc|3, 0xe0|1)
	b.u16(uint16(len(sps)))
	b.buf = append(b.buf, sps...)
	b.buf = append(b.buf, 1)
	b.u16(uint16(len(pps)))
	b.buf = append(b.buf, pps...)
	switch profile {
	case 100, 110, 122, 144:
		b.buf = append(b.buf, 0xfc|1, 0xf8|0, 0xf8|0, 0) // 4:2:0, 8-bit luma and chroma, no SPS extensions
	}
	b.close()
}
