package main

import (
	"encoding/binary"
	"image"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/internal/xvfbtest"
)

// startXvfb gives the test a private X server (see internal/xvfbtest).
func startXvfb(t testing.TB) { xvfbtest.Start(t) }

func TestRenderHopperGIF(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := gorl(t, "rollout", "--env", "sgrl/hopper-3", "--episodes", "1", "--seed", "2", "--run-dir", dir, "-q"); code != 0 {
		t.Fatalf("rollout: exit %d: %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "hop.gif")
	pngs := filepath.Join(t.TempDir(), "frames")
	// A private X server that another process races for its display can refuse the
	// connection; that is the environment, not the renderer, so try a fresh server.
	var stdout, stderr string
	var code int
	for attempt := 1; attempt <= 3; attempt++ {
		startXvfb(t)
		stdout, stderr, code = gorl(t, "render", dir, "--episode", "0", "--out", out, "--png-dir", pngs,
			"--width", "160", "--height", "120", "--every", "4", "-q")
		if code == 0 || !strings.Contains(stderr, "no X display") {
			break
		}
		t.Logf("attempt %d: %s", attempt, strings.TrimSpace(stderr))
	}
	if code != 0 {
		t.Fatalf("render: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "frames of episode 0") {
		t.Fatalf("output %q", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anim, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(anim.Image) < 3 {
		t.Fatalf("%d frames, want at least 3", len(anim.Image))
	}
	if files, _ := filepath.Glob(filepath.Join(pngs, "frame-*.png")); len(files) != len(anim.Image) {
		t.Fatalf("%d PNG frames for %d GIF frames", len(files), len(anim.Image))
	}
	for i, img := range anim.Image {
		if img.Rect.Dx() != 160 || img.Rect.Dy() != 120 {
			t.Fatalf("frame %d is %v, want 160x120", i, img.Rect)
		}
		// Not blank: the frame has many distinct colours (sky, floor, grid, shaded body).
		if n := distinctColours(img); n < 8 {
			t.Fatalf("frame %d has %d distinct colours: blank", i, n)
		}
	}
	// The hopper moves: the first and last frames differ in a noticeable share of pixels.
	first, last := anim.Image[0], anim.Image[len(anim.Image)-1]
	if d := differing(first, last); d < 50 {
		t.Fatalf("first and last frames differ in %d pixels: the rollout does not move", d)
	}
}

// renderWithXvfb runs gorl render under a private X server, retrying with a fresh
// server when a racing process leaves it no display.
func renderWithXvfb(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	var code int
	for attempt := 1; attempt <= 3; attempt++ {
		startXvfb(t)
		stdout, stderr, code = gorl(t, append([]string{"render"}, args...)...)
		if code == 0 || !strings.Contains(stderr, "no X display") {
			break
		}
		t.Logf("attempt %d: %s", attempt, strings.TrimSpace(stderr))
	}
	if code != 0 {
		t.Fatalf("render %v: exit %d: %s", args, code, stderr)
	}
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
		t.Fatalf("render %v printed a stack trace: %s", args, stderr)
	}
	return stdout, stderr
}

// mp4Info walks an MP4's boxes: the top-level box types, the sample count (stsz), the
// sample entry's codec and picture size, and whether it carries an avcC record.
func mp4Info(t *testing.T, path string) (top []string, samples int, codec string, w, h int, avcC bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(p []byte)
	walk = func(p []byte) {
		for len(p) >= 8 {
			size, typ := int(binary.BigEndian.Uint32(p)), string(p[4:8])
			hdr := 8
			if size == 1 && len(p) >= 16 {
				size, hdr = int(binary.BigEndian.Uint64(p[8:])), 16
			}
			if size < hdr || size > len(p) {
				t.Fatalf("%s: box %q of %d bytes overruns %d", path, typ, size, len(p))
			}
			body := p[hdr:size]
			switch typ {
			case "moov", "trak", "mdia", "minf", "stbl":
				walk(body)
			case "stsd":
				walk(body[8:])
			case "avc1":
				codec, w, h = typ, int(binary.BigEndian.Uint16(body[24:])), int(binary.BigEndian.Uint16(body[26:]))
				walk(body[78:])
			case "avcC":
				avcC = len(body) > 8 && body[0] == 1
			case "stsz":
				samples = int(binary.BigEndian.Uint32(body[8:]))
			}
			p = p[size:]
		}
	}
	for p := data; len(p) >= 8; {
		size := int(binary.BigEndian.Uint32(p))
		if size == 1 {
			size = int(binary.BigEndian.Uint64(p[8:]))
		}
		if size < 8 || size > len(p) {
			t.Fatalf("%s: top-level box of %d bytes overruns %d", path, size, len(p))
		}
		top = append(top, string(p[4:8]))
		p = p[size:]
	}
	walk(data)
	return top, samples, codec, w, h, avcC
}

// One rollout rendered to MP4 (plus PNG frames), then played in the live viewer for a
// fixed number of frames.
func TestRenderHopperMP4AndLive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := gorl(t, "rollout", "--env", "sgrl/hopper-3", "--episodes", "1", "--seed", "2", "--run-dir", dir, "-q"); code != 0 {
		t.Fatalf("rollout: exit %d: %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "hop.mp4")
	pngs := filepath.Join(t.TempDir(), "frames")
	stdout, _ := renderWithXvfb(t, dir, "--episode", "0", "--out", out, "--png-dir", pngs,
		"--width", "160", "--height", "120", "--every", "4", "--fps", "25", "-q")
	if !strings.Contains(stdout, "frames of episode 0") || !strings.Contains(stdout, "ms/frame") {
		t.Fatalf("output %q", stdout)
	}
	files, _ := filepath.Glob(filepath.Join(pngs, "frame-*.png"))
	if len(files) < 3 {
		t.Fatalf("%d PNG frames, want at least 3", len(files))
	}
	top, samples, codec, w, h, avcC := mp4Info(t, out)
	if strings.Join(top, ",") != "ftyp,moov,mdat" || codec != "avc1" || !avcC {
		t.Fatalf("boxes %v, codec %q, avcC %v: want ftyp, moov, mdat and an avc1 entry with avcC", top, codec, avcC)
	}
	if samples != len(files) || w != 160 || h != 120 {
		t.Fatalf("%d samples of %dx%d, want %d of 160x120", samples, w, h, len(files))
	}

	stdout, stderr := renderWithXvfb(t, dir, "--episode", "0", "--live", "--frames", "20", "--width", "200", "--height", "150", "--speed", "4")
	if !strings.Contains(stdout, "played episode 0 (sgrl/hopper-3): 20 frames drawn") {
		t.Fatalf("live output %q", stdout)
	}
	if !strings.Contains(stderr, "keys: space pause") {
		t.Fatalf("live stderr %q: want the key summary", stderr)
	}
}

func distinctColours(img *image.Paletted) int {
	seen := map[uint8]bool{}
	for _, p := range img.Pix {
		seen[p] = true
	}
	return len(seen)
}

func differing(a, b *image.Paletted) int {
	n := 0
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			n++
		}
	}
	return n
}

func TestRenderBadInput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := gorl(t, "rollout", "--env", "sgrl/hopper-3", "--episodes", "1", "--run-dir", dir, "-q"); code != 0 {
		t.Fatalf("rollout: exit %d: %s", code, stderr)
	}
	cart := filepath.Join(t.TempDir(), "cart")
	if _, stderr, code := gorl(t, "rollout", "--env", "CartPole-v1", "--episodes", "1", "--run-dir", cart, "-q"); code != 0 {
		t.Fatalf("rollout: exit %d: %s", code, stderr)
	}
	thin := filepath.Join(t.TempDir(), "thin")
	if _, stderr, code := gorl(t, "rollout", "--env", "sgrl/hopper-3", "--episodes", "1", "--step-every", "0", "--run-dir", thin, "-q"); code != 0 {
		t.Fatalf("rollout: exit %d: %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "x.gif")
	t.Setenv("DISPLAY", "")
	wantOneLineError(t, "no X display: run under xvfb-run or set DISPLAY", "render", dir, "--out", out)
	wantOneLineError(t, "no body poses", "render", cart, "--out", out)
	wantOneLineError(t, "no body poses", "render", thin, "--out", out)
	wantOneLineError(t, "to render a trained policy, run gorl eval "+thin, "render", thin, "--out", out)
	wantOneLineError(t, "episode 5: episode not found", "render", dir, "--episode", "5", "--out", out)
	wantOneLineError(t, "config.json", "render", filepath.Join(t.TempDir(), "absent"), "--out", out)
	wantOneLineError(t, "--out", "render", dir, "--out", "x.png")
	wantOneLineError(t, "no X display", "render", dir, "--out", filepath.Join(t.TempDir(), "x.mp4"))
	wantOneLineError(t, "--every", "render", dir, "--every", "0", "--out", out)
	wantOneLineError(t, "--width", "render", dir, "--width", "0", "--out", out)
	wantOneLineError(t, "--fps", "render", dir, "--fps", "-1", "--out", out)
	wantOneLineError(t, "render --live: no X display: run under xvfb-run or set DISPLAY (DISPLAY is not set)", "render", dir, "--live")
	wantOneLineError(t, "--out does not apply", "render", dir, "--live", "--out", out)
	wantOneLineError(t, "--speed", "render", dir, "--live", "--speed", "0")
	wantOneLineError(t, "--frames", "render", dir, "--live", "--frames", "-2")
	wantOneLineError(t, "apply to --live only", "render", dir, "--frames", "5", "--out", out)
	wantOneLineError(t, "even", "render", dir, "--out", filepath.Join(t.TempDir(), "x.mp4"), "--width", "161")
	wantOneLineError(t, "preset", "render", dir, "--out", filepath.Join(t.TempDir(), "x.mp4"), "--preset", "warp")
	wantOneLineError(t, "--crf", "render", dir, "--out", filepath.Join(t.TempDir(), "x.mp4"), "--crf", "0")
	wantOneLineError(t, "MP4 output", "render", dir, "--out", out, "--crf", "20")
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed render wrote its GIF")
	}
}
