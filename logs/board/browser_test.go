package board

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorl/logs"
)

// The browser tests drive Debian's chromium through chromedriver's W3C WebDriver HTTP
// API (a handful of JSON requests, no client library). Without the two programs they
// are skipped, unless GORL_BROWSER_TESTS=require (make test sets it) makes that a
// failure. BOARD_SCREENSHOTS=DIR saves screenshots of the pages.

type webDriver struct {
	t       testing.TB
	base    string // chromedriver URL
	session string
}

func (d *webDriver) call(method, path string, body any) map[string]any {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, d.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		d.t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
	if resp.StatusCode != 200 {
		d.t.Fatalf("webdriver %s %s: %d %v", method, path, resp.StatusCode, out["value"])
	}
	return out
}

// eval runs a script in the page and returns its value (JSON-decoded).
func (d *webDriver) eval(script string, args ...any) any {
	d.t.Helper()
	if args == nil {
		args = []any{}
	}
	return d.call("POST", "/session/"+d.session+"/execute/sync", map[string]any{"script": script, "args": args})["value"]
}

// waitFor evaluates a boolean script until it holds, failing after timeout.
func (d *webDriver) waitFor(what, script string, timeout time.Duration) {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if v, _ := d.eval(script).(bool); v {
			return
		}
		if time.Now().After(deadline) {
			d.shot("timeout")
			d.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *webDriver) open(u string) {
	d.t.Helper()
	d.call("POST", "/session/"+d.session+"/url", map[string]any{"url": u})
}

// shot saves a screenshot under $BOARD_SCREENSHOTS, if set.
func (d *webDriver) shot(name string) {
	dir := os.Getenv("BOARD_SCREENSHOTS")
	if dir == "" {
		return
	}
	v, _ := d.call("GET", "/session/"+d.session+"/screenshot", nil)["value"].(string)
	png, err := base64.StdEncoding.DecodeString(v)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		d.t.Logf("screenshot %s: %v", name, err)
	}
}

func lookPath(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts chromedriver and a headless chromium session.
func startBrowser(t testing.TB) *webDriver {
	chromium, driver := lookPath("chromium", "chromium-browser"), lookPath("chromedriver")
	if chromium == "" || driver == "" {
		if os.Getenv("GORL_BROWSER_TESTS") == "require" {
			t.Fatal("browser tests need chromium and chromedriver (Debian packages chromium, chromium-driver: make deps)")
		}
		t.Skip("no chromium/chromedriver (install the Debian packages chromium and chromium-driver)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	d := &webDriver{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	for deadline := time.Now().Add(20 * time.Second); ; {
		if resp, err := http.Get(d.base + "/status"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("chromedriver did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// As root on a CI machine chromium needs --no-sandbox; its own profile directory keeps
	// parallel test processes apart.
	profile := t.TempDir()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": []string{
			"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
			"--user-data-dir=" + profile, "--no-first-run", "--disable-extensions"}},
	}}}
	v := d.call("POST", "/session", caps)["value"].(map[string]any)
	d.session = v["sessionId"].(string)
	t.Cleanup(func() { d.call("DELETE", "/session/"+d.session, nil) })
	return d
}

func TestBrowserBoard(t *testing.T) {
	d := startBrowser(t)
	root := t.TempDir()
	runs, open := writeSweep(t, root)
	defer open.Close()
	s, err := New([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	// The runs table lists the fixture sweep, with its lr column.
	d.open(srv.URL + "/#/")
	d.waitFor("6 rows in the runs table", `return document.querySelectorAll("#runs-table tbody tr").length === 6`, 10*time.Second)
	text := d.eval(`return document.querySelector("#runs-table").innerText`).(string)
	for _, r := range runs {
		if !strings.Contains(text, "sw/"+r.name) {
			t.Fatalf("runs table lacks %s:\n%s", r.name, text)
		}
	}
	if !strings.Contains(text, "running") || !strings.Contains(text, "0.0003") {
		t.Fatalf("runs table lacks the running status or the lr column:\n%s", text)
	}

	// One curve per run, each with one point per logged episode.
	d.waitFor("6 curves", `return document.querySelectorAll("path.curve").length === 6`, 10*time.Second)
	got := d.eval(`return [...document.querySelectorAll("path.curve")].map(p => p.dataset.group + "=" + p.dataset.points + ":" + (p.getAttribute("d").match(/[ML]/g) || []).length)`).([]any)
	for i, r := range runs {
		want := fmt.Sprintf("%s=%d:%d", r.name, r.episodes, r.episodes)
		if got[i] != want {
			t.Fatalf("curve %d: %v, want %s", i, got[i], want)
		}
	}
	d.shot("runs")

	// Grouped by lr: two curves of 3 runs, each with a band, and the band's method stated.
	d.eval(`const s = document.querySelector("#by"); s.value = "lr"; s.dispatchEvent(new Event("change"))`)
	d.waitFor("2 grouped curves with bands", `return document.querySelectorAll("path.curve").length === 2 && document.querySelectorAll("polygon.band").length === 2`, 10*time.Second)
	if note := d.eval(`return document.querySelector(".band-note").textContent`).(string); !strings.Contains(note, "bootstrap CI of the mean") {
		t.Fatalf("band note %q", note)
	}
	d.shot("grouped")

	// Hovering shows each group's value; dragging over the left half zooms in on it.
	tip := d.eval(`const svg = document.querySelector("svg.curves"), r = svg.getBoundingClientRect();
		const at = (type, f) => svg.dispatchEvent(new MouseEvent(type, { clientX: r.left + f * r.width, clientY: r.top + r.height / 2, bubbles: true }));
		at("mousemove", 0.5);
		const text = document.querySelector("#tooltip").textContent;
		const before = document.querySelector("path.curve").dataset.points;
		at("mousedown", 0.1); at("mousemove", 0.5); at("mouseup", 0.5);
		return [text, before, document.querySelector("path.curve").dataset.points]`).([]any)
	if text := tip[0].(string); !strings.Contains(text, "lr=0.0001: ") || !strings.Contains(text, "lr=0.0003: ") {
		t.Fatalf("hover tooltip %q", text)
	}
	before, _ := strconv.Atoi(tip[1].(string))
	after, _ := strconv.Atoi(tip[2].(string))
	if !(after > 0 && after < before*3/4) {
		t.Fatalf("zoom on 40%% of the width: %d points of %d left", after, before)
	}
	d.eval(`document.querySelector("svg.curves").dispatchEvent(new MouseEvent("dblclick", { bubbles: true }))`)
	if n := d.eval(`return document.querySelector("path.curve").dataset.points`).(string); n != tip[1].(string) {
		t.Fatalf("double-click: %s points, want %v back", n, tip[1])
	}

	// A row appended to the running run's metrics shows up on its page without a reload.
	last := runs[len(runs)-1]
	d.eval(`location.hash = "#/run/" + encodeURIComponent(arguments[0])`, "0/sw/"+last.name)
	d.waitFor("the run page", `return !!document.querySelector("#summary") && document.querySelector("#summary").innerText.includes("metric_rows")`, 10*time.Second)
	d.eval(`window.notReloaded = true`)
	rowsBefore := last.episodes / 5
	if txt := d.eval(`return document.querySelector("#summary").innerText`).(string); !strings.Contains(txt, "metric_rows\t"+strconv.Itoa(rowsBefore)) {
		t.Fatalf("summary before the new row:\n%s", txt)
	}
	if err := open.LogMetrics(logs.MetricRow{Seed: int64(last.seed), Iteration: 99, EnvSteps: 100000, WallSeconds: 50, Values: map[string]float64{"loss": 0.5}}); err != nil {
		t.Fatal(err)
	}
	if err := open.Flush(); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the new metrics row", fmt.Sprintf(`return window.notReloaded === true && document.querySelector("#summary").innerText.includes("metric_rows\t%d")`, rowsBefore+1), 10*time.Second)
	d.shot("run")

	// Paths out of the run directories are refused, whatever their spelling. The browser
	// itself resolves "..", also written %2e%2e, before sending: that request asks for
	// /etc/passwd, which the board does not serve (404); the others reach it and get 400.
	res := d.eval(`const out = [];
		for (const u of arguments[0]) { const r = new XMLHttpRequest(); r.open("GET", u, false); r.send(); out.push(r.status + " " + r.responseText.slice(0, 60)); }
		return out`, []string{"/files/0/%2e%2e/%2e%2e/etc/passwd", "/files/0/sw/..%2f..%2f..%2fetc%2fpasswd", "/files/%2fetc%2fpasswd",
		"/api/run?run=0/..%2f..%2fetc", "/api/run?run=%2Fetc", "/api/poses?run=0/sw/../../../etc"}).([]any)
	for i, r := range res {
		want := "400 refused"
		if i == 0 {
			want = "404 "
		}
		if got := r.(string); !strings.HasPrefix(got, want) || strings.Contains(got, "root:") {
			t.Fatalf("url %d answered %q, want %q (all: %q)", i, got, want, res)
		}
	}
}
