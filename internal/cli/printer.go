package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
	"sigs.k8s.io/yaml"
)

// format is an output format chosen with -o/--output.
type format string

// The output formats.
const (
	formatTable format = "table"
	formatJSON  format = "json"
	formatYAML  format = "yaml"
)

// parseFormat parses the value of -o/--output.
func parseFormat(s string) (format, error) {
	switch f := format(strings.ToLower(strings.TrimSpace(s))); f {
	case formatTable, formatJSON, formatYAML:
		return f, nil
	default:
		return "", usageErrorf("-o/--output %q: want table, json or yaml", s)
	}
}

// table is rows of cells under a header.
type table struct {
	header []string
	rows   [][]string
}

// add appends a row.
func (t *table) add(cells ...string) {
	t.rows = append(t.rows, cells)
}

// printer writes results in one format. In json and yaml it writes the
// protobuf message a command got (so the output parses back into that
// message type); in table format it writes the table the command derives
// from it.
type printer struct {
	w      io.Writer
	format format
}

// print writes msg, or in table format the table built by toTable.
func (p printer) print(msg proto.Message, toTable func() table) error {
	switch p.format {
	case formatJSON, formatYAML:
		data, err := marshalJSON(msg)
		if err != nil {
			return err
		}
		return p.writeJSON(data)
	default:
		return writeTable(p.w, toTable())
	}
}

// writeJSON writes a JSON document in the printer's format (json or yaml).
func (p printer) writeJSON(data []byte) error {
	if p.format == formatYAML {
		y, err := yaml.JSONToYAML(data)
		if err != nil {
			return fmt.Errorf("convert output to yaml: %w", err)
		}
		_, err = p.w.Write(y)
		return err
	}
	_, err := fmt.Fprintf(p.w, "%s\n", data)
	return err
}

// marshalJSON encodes msg as indented protojson. protojson randomises its
// whitespace between builds, so the result is re-indented for output that
// is stable and diffable.
func marshalJSON(msg proto.Message) ([]byte, error) {
	raw, err := protojson.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", msg.ProtoReflect().Descriptor().Name(), err)
	}
	return indentJSON(raw)
}

// indentJSON re-indents a JSON document with two spaces.
func indentJSON(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("indent json: %w", err)
	}
	return buf.Bytes(), nil
}

// writeTable writes t with aligned columns.
func writeTable(w io.Writer, t table) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	writeRow := func(cells []string) {
		clean := make([]string, len(cells))
		for i, c := range cells {
			clean[i] = cell(c)
		}
		fmt.Fprintln(tw, strings.Join(clean, "\t"))
	}
	writeRow(t.header)
	for _, r := range t.rows {
		writeRow(r)
	}
	return tw.Flush()
}

// cell makes s fit in one table cell: control characters (tabs, newlines)
// become spaces and an empty value shows as "-".
func cell(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// formatTime formats a timestamp for a table, in UTC.
func formatTime(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().UTC().Format(time.RFC3339)
}

// enumName is the short name of an enum value for tables: the value's name
// without the prefix derived from its type (ACTIVE for
// LAUNCH_PLAN_STATE_ACTIVE of LaunchPlanState).
func enumName(e protoreflect.Enum) string {
	v := e.Descriptor().Values().ByNumber(e.Number())
	if v == nil {
		return fmt.Sprintf("%d", e.Number())
	}
	return strings.TrimPrefix(string(v.Name()), enumPrefix(e.Descriptor()))
}

// enumPrefix is the prefix every value name of an enum carries by the
// style rule: the type name in upper snake case and "_".
func enumPrefix(d protoreflect.EnumDescriptor) string {
	var b strings.Builder
	name := string(d.Name())
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	b.WriteByte('_')
	return b.String()
}

// parseEnum parses a user-given enum value: the short name (ACTIVE), the
// full name (LAUNCH_PLAN_STATE_ACTIVE), in any case and with "-" for "_".
// The zero "unspecified" value is not accepted: flags that take an enum
// always mean one of the real values.
func parseEnum(d protoreflect.EnumDescriptor, flag, s string) (protoreflect.EnumNumber, error) {
	want := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	prefix := enumPrefix(d)
	values := d.Values()
	var names []string
	for i := range values.Len() {
		v := values.Get(i)
		full := string(v.Name())
		short := strings.TrimPrefix(full, prefix)
		if short == "UNSPECIFIED" {
			continue
		}
		names = append(names, strings.ToLower(short))
		if want != "" && (want == full || want == short) {
			return v.Number(), nil
		}
	}
	return 0, usageErrorf("%s %q: want one of %s", flag, s, strings.Join(names, ", "))
}
