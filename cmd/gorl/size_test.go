package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cmd/gorl is flags and wiring: logic goes to the packages. These limits keep it so.
const (
	maxTotalLines = 3000 // all non-test files together
	maxFileLines  = 400
	maxFuncLines  = 80 // a command constructor, a RunE, any function
)

// TestCommandSize fails when the non-test files of cmd/gorl grow past the limits: the
// sign that library work (experiments, reports, validation, file formats) crept in.
func TestCommandSize(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	total, n := 0, 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		n++
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(string(src), "\n")
		total += lines
		if lines > maxFileLines {
			t.Errorf("%s has %d lines; at most %d per file", name, lines, maxFileLines)
		}
		for _, problem := range longFuncs(fset, f, maxFuncLines) {
			t.Errorf("%s: %s", name, problem)
		}
	}
	if total > maxTotalLines {
		t.Errorf("cmd/gorl has %d lines in its non-test files; at most %d", total, maxTotalLines)
	}
	t.Logf("cmd/gorl: %d lines in %d non-test files", total, n)
}

// longFuncs lists the functions (declared or literal) of f longer than limit lines.
func longFuncs(fset *token.FileSet, f *ast.File, limit int) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		var name string
		switch d := n.(type) {
		case *ast.FuncDecl:
			name = d.Name.Name
		case *ast.FuncLit:
			name = "function literal"
		default:
			return true
		}
		start, end := fset.Position(n.Pos()), fset.Position(n.End())
		if lines := end.Line - start.Line + 1; lines > limit {
			out = append(out, fmt.Sprintf("%s at line %d has %d lines; at most %d", name, start.Line, lines, limit))
		}
		return true
	})
	return out
}

// TestLongFuncs: the checker sees a long function and a long literal inside a short
// declaration.
func TestLongFuncs(t *testing.T) {
	body := strings.Repeat("\tx++\n", 5)
	src := "package p\n\nfunc short() {}\n\nfunc long(x int) {\n" + body + "}\n\nvar f = func(x int) {\n" + body + "}\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := longFuncs(fset, f, 6)
	if len(got) != 2 || !strings.HasPrefix(got[0], "long at line 5 has 7 lines") || !strings.HasPrefix(got[1], "function literal at line 13 has 7 lines") {
		t.Fatalf("long functions %q", got)
	}
}
