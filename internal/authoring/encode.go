package authoring

import (
	"bytes"
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Encode writes a bundle as a file of the IDL format (indented JSON with
// sorted keys, so the output is stable), which Decode reads back to the same
// bundle. It is how a compact file can be converted to the IDL format, and
// what the golden tests compare.
func Encode(b *Bundle) ([]byte, error) {
	doc := map[string]any{"format": formatIDL}
	section := func(key string, msgs []proto.Message) error {
		if len(msgs) == 0 {
			return nil
		}
		list := make([]any, 0, len(msgs))
		for _, m := range msgs {
			v, err := protoToValue(m)
			if err != nil {
				return err
			}
			list = append(list, v)
		}
		doc[key] = list
		return nil
	}
	tasks := make([]proto.Message, len(b.Tasks))
	for i, t := range b.Tasks {
		tasks[i] = t
	}
	wfs := make([]proto.Message, len(b.Workflows))
	for i, w := range b.Workflows {
		wfs[i] = w
	}
	lps := make([]proto.Message, len(b.LaunchPlans))
	for i, l := range b.LaunchPlans {
		lps[i] = l
	}
	for _, s := range []struct {
		key  string
		msgs []proto.Message
	}{{"tasks", tasks}, {"workflows", wfs}, {"launchPlans", lps}} {
		if err := section(s.key, s.msgs); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	return buf.Bytes(), nil
}

// protoToValue converts a message to a generic JSON value; protojson's own
// output varies its white space on purpose, so it is re-encoded.
func protoToValue(m proto.Message) (any, error) {
	data, err := protojson.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.ProtoReflect().Descriptor().Name(), err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.ProtoReflect().Descriptor().Name(), err)
	}
	return v, nil
}
