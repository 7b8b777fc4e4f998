package nn

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// A headered parameter file is a magic first line naming the format and its version,
// one line of JSON describing the network, then the parameters in the Params format.
// agents/ppo's drift files and agents/lpg's update-rule files are headered files.

// WriteHeadered writes magic, header (marshalled to one line of JSON) and p to w in one
// write.
func WriteHeadered(w io.Writer, magic string, header any, p *Params) (int64, error) {
	hdr, err := json.Marshal(header)
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	buf.WriteString(magic + "\n")
	buf.Write(hdr)
	buf.WriteByte('\n')
	if _, err := p.WriteTo(&buf); err != nil {
		return 0, err
	}
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// ReadHeader reads the magic line and the JSON header of a headered file into header,
// leaving br at the parameters. kind names the file in errors: "not a gorl <kind> file",
// "<kind> header: ...".
func ReadHeader(br *bufio.Reader, magic, kind string, header any) error {
	first, err := br.ReadString('\n')
	if err != nil || first != magic+"\n" {
		return fmt.Errorf("not a gorl %s file (want first line %q)", kind, magic)
	}
	line, err := br.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("%s header: %w", kind, err)
	}
	if err := json.Unmarshal(line, header); err != nil {
		return fmt.Errorf("%s header: %w", kind, err)
	}
	return nil
}
