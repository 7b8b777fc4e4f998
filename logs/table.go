package logs

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"
)

// Table is a small result table (summaries, comparisons, filtered episodes) that can be
// written for a terminal, as CSV or as JSON. Cells hold string, int64, int, float64 or
// bool values; NaN floats are written empty (text, CSV) or null (JSON).
type Table struct {
	Columns []string
	Rows    [][]any
}

// Formats accepted by Table.Write.
const (
	FormatTable = "table"
	FormatCSV   = "csv"
	FormatJSON  = "json"
	FormatJSONL = "jsonl"
)

// Write writes the table in one of the formats table, csv, json (an array of objects)
// or jsonl (one object a line).
func (t *Table) Write(w io.Writer, format string) error {
	switch format {
	case "", FormatTable:
		return t.WriteText(w)
	case FormatCSV:
		return t.WriteCSV(w)
	case FormatJSON:
		return t.writeJSON(w, false)
	case FormatJSONL:
		return t.writeJSON(w, true)
	}
	return fmt.Errorf("unknown format %q (want table, csv, json or jsonl)", format)
}

// WriteText writes aligned columns, floats with 6 significant digits.
func (t *Table) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	writeLine := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, c)
		}
		fmt.Fprintln(tw)
	}
	writeLine(t.Columns)
	cells := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for i := range cells {
			cells[i] = ""
			if i < len(row) {
				cells[i] = formatCell(row[i], 6)
			}
		}
		writeLine(cells)
	}
	return tw.Flush()
}

// WriteCSV writes a header line and one line per row, floats in full precision.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	cells := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for i := range cells {
			cells[i] = ""
			if i < len(row) {
				cells[i] = formatCell(row[i], -1)
			}
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (t *Table) writeJSON(w io.Writer, lines bool) error {
	bw := bufio.NewWriter(w)
	if !lines {
		bw.WriteString("[")
	}
	for r, row := range t.Rows {
		if !lines && r > 0 {
			bw.WriteString(",")
		}
		if !lines {
			bw.WriteString("\n  ")
		}
		if err := writeJSONObject(bw, t.Columns, row); err != nil {
			return err
		}
		if lines {
			bw.WriteString("\n")
		}
	}
	if !lines {
		if len(t.Rows) > 0 {
			bw.WriteString("\n")
		}
		bw.WriteString("]\n")
	}
	return bw.Flush()
}

// writeJSONObject writes one row as an object with keys in column order.
func writeJSONObject(w *bufio.Writer, cols []string, row []any) error {
	w.WriteString("{")
	for i, c := range cols {
		if i > 0 {
			w.WriteString(",")
		}
		k, _ := json.Marshal(c)
		w.Write(k)
		w.WriteString(":")
		var v any
		if i < len(row) {
			v = row[i]
		}
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			v = nil
		}
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode column %s: %w", c, err)
		}
		w.Write(data)
	}
	w.WriteString("}")
	return nil
}

// formatCell formats a cell; prec is the number of significant digits of floats
// (-1: the shortest exact representation).
func formatCell(v any, prec int) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', prec, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// Transpose returns the table with columns as rows: the first column holds the former
// column names and each former row becomes a column headed by its first cell. Useful
// to show a few wide records (run summaries) on a terminal.
func (t *Table) Transpose() *Table {
	out := &Table{Columns: []string{t.Columns[0]}}
	for _, row := range t.Rows {
		out.Columns = append(out.Columns, formatCell(row[0], 6))
	}
	for i := 1; i < len(t.Columns); i++ {
		row := []any{t.Columns[i]}
		for _, r := range t.Rows {
			var v any
			if i < len(r) {
				v = r[i]
			}
			row = append(row, v)
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}
