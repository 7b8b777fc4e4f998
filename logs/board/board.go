// Package board is gorl's local web dashboard over run directories: a runs table,
// interactive learning curves grouped by any config key (with the bootstrap band of logs
// compare), a page per run and live updates while runs are training. It reads the run
// directories through package logs, column by column, and serves nothing outside them.
package board

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorl/logs"
)

//go:embed assets
var assets embed.FS

// Server serves the dashboard for the runs under its roots.
type Server struct {
	roots []string // absolute, symlinks resolved

	mu          sync.Mutex
	cache       map[string]cachedRun    // by run directory
	seriesCache map[string]cachedSeries // by run directory, metric and x column
	replies     map[string][]byte       // /api/curve answers by query and run stamps
	list        cachedList
}

type cachedList struct {
	at   time.Time
	runs []string
}

// New returns a server over roots: run directories, or directories holding runs at any
// depth.
func New(roots []string) (*Server, error) {
	if len(roots) == 0 {
		return nil, errors.New("board: no run directory given")
	}
	s := &Server{cache: map[string]cachedRun{}, seriesCache: map[string]cachedSeries{}, replies: map[string][]byte{}}
	for _, r := range roots {
		abs, err := filepath.Abs(r)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("board: %s: no such directory", r)
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("board: %s: not a directory", r)
		}
		s.roots = append(s.roots, abs)
	}
	return s, nil
}

// Handler returns the dashboard's HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		data, _ := assets.ReadFile("assets/index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(data)
	})
	mux.HandleFunc("GET /api/runs", s.handleRuns)
	mux.HandleFunc("GET /api/curve", s.handleCurve)
	mux.HandleFunc("GET /api/run", s.handleRun)
	mux.HandleFunc("GET /api/poses", s.handlePoses)
	mux.HandleFunc("GET /files/", s.handleFile)
	return refuseTraversal(mux)
}

// refuseTraversal answers 400 to a request whose raw path holds a ".." element or a
// doubled slash, before the mux would clean it into another path and redirect there.
func refuseTraversal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.URL.EscapedPath()
		dec, err := url.PathUnescape(raw)
		if err != nil || hasDotDot(dec) || strings.Contains(dec, "//") || strings.Contains(dec, "\\") {
			http.Error(w, "refused: path outside the run directories", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func hasDotDot(p string) bool {
	for _, e := range strings.Split(p, "/") {
		if e == ".." {
			return true
		}
	}
	return false
}

// resolve maps a run id ("ROOT/REL": the root's index and a slash-separated path under
// it) to its directory, refusing anything that would leave the root.
func (s *Server) resolve(id string) (string, error) {
	if strings.HasPrefix(id, "/") || filepath.IsAbs(id) {
		return "", fmt.Errorf("refused: %q leaves the run directories", id)
	}
	idx, rel, _ := strings.Cut(id, "/")
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= len(s.roots) {
		return "", fmt.Errorf("unknown run %q", id)
	}
	return s.under(s.roots[i], rel)
}

// under joins a slash-separated relative path to root and checks that the result, with
// symlinks resolved, is root or lies under it.
func (s *Server) under(root, rel string) (string, error) {
	if strings.HasPrefix(rel, "/") || filepath.IsAbs(rel) || strings.ContainsAny(rel, "\\\x00") || hasDotDot(rel) {
		return "", fmt.Errorf("refused: %q leaves the run directories", rel)
	}
	p := filepath.Join(root, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("no such file %q", rel)
	}
	if real != root && !strings.HasPrefix(real, root+string(filepath.Separator)) {
		return "", fmt.Errorf("refused: %q leaves the run directories", rel)
	}
	return real, nil
}

// idOf is the run id of a run directory found under root i.
func (s *Server) idOf(i int, dir string) string {
	rel, err := filepath.Rel(s.roots[i], dir)
	if err != nil || rel == "." {
		return strconv.Itoa(i)
	}
	return strconv.Itoa(i) + "/" + filepath.ToSlash(rel)
}

// runDirs lists the run directories under the roots, rescanning at most once a second.
func (s *Server) runDirs() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.list.at) > time.Second || s.list.runs == nil {
		var runs []string
		for _, root := range s.roots {
			found, _ := logs.FindRuns(root)
			runs = append(runs, found...)
		}
		s.list = cachedList{at: time.Now(), runs: runs}
	}
	ids := make([]string, len(s.list.runs))
	for k, dir := range s.list.runs {
		for i, root := range s.roots {
			if dir == root || strings.HasPrefix(dir, root+string(filepath.Separator)) {
				ids[k] = s.idOf(i, dir)
				break
			}
		}
	}
	return s.list.runs, ids
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// fail answers a bad request with one line: 400 for a refused path, 404 otherwise.
func fail(w http.ResponseWriter, err error) {
	code := http.StatusNotFound
	if strings.HasPrefix(err.Error(), "refused") {
		code = http.StatusBadRequest
	}
	http.Error(w, err.Error(), code)
}

func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/files/")
	idx, rel, _ := strings.Cut(rest, "/")
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= len(s.roots) {
		fail(w, fmt.Errorf("unknown root %q", idx))
		return
	}
	p, err := s.under(s.roots[i], rel)
	if err != nil {
		fail(w, err)
		return
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		fail(w, fmt.Errorf("no such file %q", rel))
		return
	}
	http.ServeFile(w, r, p)
}
