package authoring

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
)

func FuzzParseType(f *testing.F) {
	for _, s := range []string{
		"int", "list[map[str,optional[file[csv]]]]", `enum[a,"b c",'d']`, "union[int,str,none]",
		"dataset[parquet]", "map[str,", "list[[", "optional[]", `enum["`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lt, err := ParseType(s)
		if err != nil {
			return
		}
		// Whatever parses has a notation that parses to the same type.
		again, err := ParseType(FormatType(lt))
		if err != nil {
			t.Fatalf("FormatType(ParseType(%q)) = %q does not parse: %v", s, FormatType(lt), err)
		}
		if !proto.Equal(lt, again) {
			t.Fatalf("%q: the canonical form %q parses to a different type", s, FormatType(lt))
		}
	})
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{
		"$inputs.x > 3", `($a.b == "x" or $c.d != none) and $e.f[0] <= -1.5e3`, "$inputs.flag",
		`$n.m["k"] == 'v'`, "((((", "$", "$a.", "1 < 2", "$a.b < true", `"unterminated`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCondition(s)
		if err != nil {
			return
		}
		if c.expr == nil {
			t.Fatalf("%q parsed to no expression", s)
		}
	})
}

func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"inputs.x", "n.o[0].a", `n.o["k"]['j'][3]`, "n.", "[", "n.o[", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseReference(s)
		if err != nil {
			return
		}
		if r.promise().GetVar() == "" {
			t.Fatalf("%q parsed to a reference without output name", s)
		}
	})
}

// FuzzDecode feeds arbitrary files to the decoder: it must never panic, and
// it returns either a bundle or a list of problems, never both or neither.
func FuzzDecode(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	bad, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	examples, err := filepath.Glob("../../examples/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range append(append(seeds, bad...), examples...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"format": "idl/v1", "tasks": [{"id": {"name": "t"}, "spec": {"template": {"type": "echo"}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode("fuzz.yaml", data, testOpts)
		switch {
		case err == nil && b == nil:
			t.Fatal("no bundle and no error")
		case err != nil && b != nil:
			t.Fatal("both a bundle and an error")
		case err != nil:
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is not a list of problems: %v", err)
			}
		default:
			if _, err := Encode(b); err != nil {
				t.Fatalf("a decoded bundle does not encode: %v", err)
			}
		}
	})
}
