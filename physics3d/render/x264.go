package render

/*
#cgo LDFLAGS: -lx264
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <x264.h>

// gorl_x264 is one open encoder with its input picture (I420 planes owned by x264).
typedef struct {
	x264_t *h;
	x264_picture_t in, out;
	int have_pic;
} gorl_x264;

// gorl_x264_open configures x264 for MP4 muxing: length-prefixed NAL units (no
// Annex-B start codes), SPS/PPS kept out of the stream (they go in the avcC box),
// constant frame rate fps_num/fps_den with one tick per frame, BT.601 limited-range
// colour signalled in the VUI, and constant-quality rate control at crf. Threads are
// x264's default (about 1.5 per core); the output does not depend on them.
// It returns 0, or a negative step number on failure.
static int gorl_x264_open(gorl_x264 *e, int w, int hgt, int fps_num, int fps_den,
                          float crf, const char *preset, int keyint) {
	x264_param_t p;
	memset(e, 0, sizeof *e);
	if (x264_param_default_preset(&p, preset, NULL) < 0) return -1;
	p.i_log_level = X264_LOG_ERROR;
	p.i_csp = X264_CSP_I420;
	p.i_width = w;
	p.i_height = hgt;
	p.i_fps_num = fps_num;
	p.i_fps_den = fps_den;
	p.i_timebase_num = fps_den;
	p.i_timebase_den = fps_num;
	p.b_vfr_input = 0;
	p.b_deterministic = 1;
	// With macroblock-tree rate control, encodings of the same frames in one process
	// differed now and then (and never with MALLOC_PERTURB_ set: it reads uninitialised
	// heap memory). Without it the bytes depend only on the frames and settings, at
	// the cost of a few per cent more bits for the same quality.
	p.rc.b_mb_tree = 0;
	p.b_repeat_headers = 0;
	p.b_annexb = 0;
	p.rc.i_rc_method = X264_RC_CRF;
	p.rc.f_rf_constant = crf;
	if (keyint > 0) p.i_keyint_max = keyint;
	p.vui.b_fullrange = 0;
	p.vui.i_colorprim = 6; // SMPTE 170M (BT.601)
	p.vui.i_transfer = 6;
	p.vui.i_colmatrix = 6;
	if (x264_param_apply_profile(&p, "high") < 0) return -2;
	e->h = x264_encoder_open(&p);
	if (!e->h) return -3;
	if (x264_picture_alloc(&e->in, X264_CSP_I420, w, hgt) < 0) {
		x264_encoder_close(e->h);
		e->h = NULL;
		return -4;
	}
	e->have_pic = 1;
	return 0;
}

static void gorl_x264_close(gorl_x264 *e) {
	if (e->have_pic) x264_picture_clean(&e->in);
	if (e->h) x264_encoder_close(e->h);
	e->have_pic = 0;
	e->h = NULL;
}

static uint8_t *gorl_x264_plane(gorl_x264 *e, int i) { return e->in.img.plane[i]; }
static int gorl_x264_stride(gorl_x264 *e, int i) { return e->in.img.i_stride[i]; }

// gorl_x264_headers returns the SPS and PPS payloads without their 4-byte length
// prefixes (avcC stores them bare). It returns 0 on success.
static int gorl_x264_headers(gorl_x264 *e, uint8_t **sps, int *nsps, uint8_t **pps, int *npps) {
	x264_nal_t *nal;
	int n;
	*nsps = *npps = 0;
	if (x264_encoder_headers(e->h, &nal, &n) < 0) return -1;
	for (int i = 0; i < n; i++) {
		if (nal[i].i_type == NAL_SPS) { *sps = nal[i].p_payload + 4; *nsps = nal[i].i_payload - 4; }
		if (nal[i].i_type == NAL_PPS) { *pps = nal[i].p_payload + 4; *npps = nal[i].i_payload - 4; }
	}
	return (*nsps > 0 && *npps > 0) ? 0 : -2;
}

// gorl_x264_encode encodes the input picture with presentation time pts (flush != 0:
// no input, drain a delayed frame). It returns the size of the access unit written
// to *data (0: none yet), or a negative value on error; *out_pts and *key describe it.
static int gorl_x264_encode(gorl_x264 *e, int flush, int64_t pts, uint8_t **data, int64_t *out_pts, int *key) {
	x264_nal_t *nal;
	int n;
	e->in.i_pts = pts;
	int size = x264_encoder_encode(e->h, &nal, &n, flush ? NULL : &e->in, &e->out);
	if (size > 0) {
		*data = nal[0].p_payload; // the NAL units of one frame are contiguous
		*out_pts = e->out.i_pts;
		*key = e->out.b_keyframe;
	}
	return size;
}

static int gorl_x264_delayed(gorl_x264 *e) { return x264_encoder_delayed_frames(e->h); }
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"math"
	"unsafe"
)

// x264Presets are the speed/compression trade-offs x264 accepts, fastest first.
var x264Presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

// h264Encoder is an open libx264 encoder of RGBA frames of one size.
type h264Encoder struct {
	e        *C.gorl_x264 // C memory: x264 keeps pointers into it
	w, h     int
	sps, pps []byte
	nextPTS  int64
	fpsNum   int // frame rate fpsNum/fpsDen
	fpsDen   int
}

// encodedFrame is one access unit in decode order: length-prefixed NAL units.
type encodedFrame struct {
	data []byte
	pts  int64 // presentation index (the frame's position in input order)
	key  bool
}

// rationalFPS writes fps as num/den with den = 1000 (three decimals are kept).
func rationalFPS(fps float64) (num, den int) {
	return int(math.Round(fps * 1000)), 1000
}

func newH264Encoder(w, h int, fps, crf float64, preset string, keyint int) (*h264Encoder, error) {
	if w <= 0 || h <= 0 || w%2 != 0 || h%2 != 0 {
		return nil, fmt.Errorf("h264: frame size %dx%d: width and height must be even and positive", w, h)
	}
	num, den := rationalFPS(fps) // MP4.Validate has checked fps, crf and preset
	cpreset := C.CString(preset)
	defer C.free(unsafe.Pointer(cpreset))
	e := (*C.gorl_x264)(C.calloc(1, C.size_t(unsafe.Sizeof(C.gorl_x264{}))))
	if e == nil {
		return nil, errors.New("h264: out of memory")
	}
	if rc := C.gorl_x264_open(e, C.int(w), C.int(h), C.int(num), C.int(den), C.float(crf), cpreset, C.int(keyint)); rc != 0 {
		C.free(unsafe.Pointer(e))
		return nil, fmt.Errorf("h264: libx264 refused the settings (step %d) for %dx%d at %g fps, CRF %g, preset %s", -rc, w, h, fps, crf, preset)
	}
	enc := &h264Encoder{e: e, w: w, h: h, fpsNum: num, fpsDen: den}
	var sps, pps *C.uint8_t
	var nsps, npps C.int
	if C.gorl_x264_headers(e, &sps, &nsps, &pps, &npps) != 0 {
		enc.close()
		return nil, errors.New("h264: libx264 gave no SPS/PPS headers")
	}
	enc.sps = C.GoBytes(unsafe.Pointer(sps), nsps)
	enc.pps = C.GoBytes(unsafe.Pointer(pps), npps)
	return enc, nil
}

// encode converts img to I420 and encodes it; it returns the access units x264 hands
// back (none while its look-ahead fills), appended to dst.
func (enc *h264Encoder) encode(img image.Image, dst []encodedFrame) ([]encodedFrame, error) {
	if enc.e == nil {
		return dst, errors.New("h264: encoder closed")
	}
	b := img.Bounds()
	if b.Dx() != enc.w || b.Dy() != enc.h {
		return dst, fmt.Errorf("h264: frame of %dx%d, the video is %dx%d", b.Dx(), b.Dy(), enc.w, enc.h)
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, enc.w, enc.h))
		for y := range enc.h {
			for x := range enc.w {
				rgba.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	plane := func(i, rows int) ([]byte, int) {
		stride := int(C.gorl_x264_stride(enc.e, C.int(i)))
		return unsafe.Slice((*byte)(unsafe.Pointer(C.gorl_x264_plane(enc.e, C.int(i)))), stride*rows), stride
	}
	yp, ys := plane(0, enc.h)
	up, us := plane(1, enc.h/2)
	vp, vs := plane(2, enc.h/2)
	rgbaToI420(rgba, yp, ys, up, us, vp, vs)
	return enc.call(false, dst)
}

// flush drains the frames x264 still holds. With frame threads a draining call can
// return nothing while frames move through the pipeline, so it goes on while x264
// reports delayed frames (bounded, against a library that never finishes).
func (enc *h264Encoder) flush(dst []encodedFrame) ([]encodedFrame, error) {
	var err error
	for calls := 0; enc.e != nil && C.gorl_x264_delayed(enc.e) > 0; calls++ {
		if calls == 1<<20 {
			return dst, errors.New("h264: libx264 still holds frames after 2^20 draining calls")
		}
		if dst, err = enc.call(true, dst); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func (enc *h264Encoder) call(flush bool, dst []encodedFrame) ([]encodedFrame, error) {
	var data *C.uint8_t
	var pts C.int64_t
	var key C.int
	fl := C.int(0)
	if flush {
		fl = 1
	}
	size := C.gorl_x264_encode(enc.e, fl, C.int64_t(enc.nextPTS), &data, &pts, &key)
	if !flush {
		enc.nextPTS++
	}
	if size < 0 {
		return dst, fmt.Errorf("h264: libx264 failed to encode frame %d", enc.nextPTS-1)
	}
	if size == 0 {
		return dst, nil
	}
	return append(dst, encodedFrame{data: C.GoBytes(unsafe.Pointer(data), size), pts: int64(pts), key: key != 0}), nil
}

func (enc *h264Encoder) close() {
	if enc.e == nil {
		return
	}
	C.gorl_x264_close(enc.e)
	C.free(unsafe.Pointer(enc.e))
	enc.e = nil
}

// rgbaToI420 converts to 8-bit BT.601 limited-range YCbCr 4:2:0 with the integer
// approximation of ITU-R BT.601: Y = 16 + (66 R + 129 G + 25 B + 128) >> 8, and Cb, Cr
// from each 2x2 block's mean colour. The frame's width and height are even.
func rgbaToI420(img *image.RGBA, yp []byte, ys int, up []byte, us int, vp []byte, vs int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y += 2 {
		r0 := img.Pix[y*img.Stride : y*img.Stride+4*w]
		r1 := img.Pix[(y+1)*img.Stride : (y+1)*img.Stride+4*w]
		y0, y1 := yp[y*ys:y*ys+w], yp[(y+1)*ys:(y+1)*ys+w]
		uRow, vRow := up[(y/2)*us:(y/2)*us+w/2], vp[(y/2)*vs:(y/2)*vs+w/2]
		for x := 0; x < w; x += 2 {
			i := 4 * x
			ra, ga, ba := int32(r0[i]), int32(r0[i+1]), int32(r0[i+2])
			rb, gb, bb := int32(r0[i+4]), int32(r0[i+5]), int32(r0[i+6])
			rc, gc, bc := int32(r1[i]), int32(r1[i+1]), int32(r1[i+2])
			rd, gd, bd := int32(r1[i+4]), int32(r1[i+5]), int32(r1[i+6])
			y0[x] = byte(16 + (66*ra+129*ga+25*ba+128)>>8)
			y0[x+1] = byte(16 + (66*rb+129*gb+25*bb+128)>>8)
			y1[x] = byte(16 + (66*rc+129*gc+25*bc+128)>>8)
			y1[x+1] = byte(16 + (66*rd+129*gd+25*bd+128)>>8)
			r, g, b := (ra+rb+rc+rd+2)>>2, (ga+gb+gc+gd+2)>>2, (ba+bb+bc+bd+2)>>2
			uRow[x/2] = byte(128 + (-38*r-74*g+112*b+128)>>8)
			vRow[x/2] = byte(128 + (112*r-94*g-18*b+128)>>8)
		}
	}
}
