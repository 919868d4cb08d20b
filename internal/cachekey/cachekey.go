// Package cachekey computes the keys under which the data catalog memoizes
// task outputs (docs/cache.md, "Cache key"): the dataset of a task (its
// project, domain and name, its cache version and a signature of its
// interface) and the tag of one set of inputs (a stable hash of the input
// values). The engine uses it to look up and populate the cache, the CLI to
// find the entry of given inputs; both must agree, so the algorithm is pinned
// by golden tests.
//
// Values are hashed by a canonical walk written here, not by proto.Marshal,
// whose output is not canonical (map order, unknown fields, encoder
// changes): map keys are sorted, every value is prefixed with a tag naming
// its kind, and strings and lists with their length, so that different
// values can not produce the same byte stream.
package cachekey

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"math"
	"slices"
	"sort"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"google.golang.org/protobuf/types/known/structpb"
)

// DatasetPrefix starts the name of every task dataset.
const DatasetPrefix = "flyte_task-"

// TagPrefix starts every cache tag.
const TagPrefix = "flyte_cached-"

// DatasetName is the name of the dataset holding the cached outputs of the
// task named taskName (in any version: the dataset is keyed by the task's
// name, its cache version and its interface, not by its version).
func DatasetName(taskName string) string { return DatasetPrefix + taskName }

// DatasetID identifies the dataset of a task: project, domain,
// DatasetName(taskName) and version "<cacheVersion>-<Signature(iface)>", so
// that bumping the cache version or changing the interface starts an empty
// dataset.
func DatasetID(project, domain, taskName, cacheVersion string, iface *corev1.TypedInterface) *datacatalogv1.DatasetID {
	return &datacatalogv1.DatasetID{
		Project: project,
		Domain:  domain,
		Name:    DatasetName(taskName),
		Version: cacheVersion + "-" + Signature(iface),
	}
}

// Signature is a short stable hash (16 hex digits) of an interface's input
// and output variables: their names and types. Descriptions, type metadata
// and annotations (which type checks ignore) are left out.
func Signature(iface *corev1.TypedInterface) string {
	h := sha256.New()
	w := &writer{h: h}
	w.tag('I')
	w.varMap(iface.GetInputs())
	w.tag('O')
	w.varMap(iface.GetOutputs())
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Tag is the cache tag of a task's inputs: TagPrefix and a stable hash (32
// hex digits) over the sorted input names and the LiteralHash of each value,
// leaving out the inputs named in ignore.
func Tag(inputs *corev1.LiteralMap, ignore []string) string {
	lits := inputs.GetLiterals()
	names := make([]string, 0, len(lits))
	for name := range lits {
		if !slices.Contains(ignore, name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	h := sha256.New()
	w := &writer{h: h}
	w.tag('T')
	w.uint(uint64(len(names)))
	for _, name := range names {
		w.str(name)
		w.str(LiteralHash(lits[name]))
	}
	return TagPrefix + hex.EncodeToString(h.Sum(nil)[:16])
}

// LiteralHash is the hash a value contributes to a cache tag: its
// user-supplied hash when it has one, else the hex SHA-256 of its canonical
// form, in which every nested value is again represented by its LiteralHash.
// A producer that offloads a value (LiteralOffloadedMetadata) can store its
// LiteralHash in the literal's hash field, so that the offloaded value and
// the same value inline share their cache entries.
func LiteralHash(l *corev1.Literal) string {
	if h := l.GetHash(); h != "" {
		return h
	}
	h := sha256.New()
	w := &writer{h: h}
	w.literalValue(l)
	return hex.EncodeToString(h.Sum(nil))
}

// writer feeds the canonical form of values and types to a hash. Every
// item starts with a one-byte tag; strings and byte strings carry their
// length, lists their count, so that the stream parses one way only.
type writer struct {
	h   hash.Hash
	buf [9]byte
}

func (w *writer) tag(b byte) { w.buf[0] = b; w.h.Write(w.buf[:1]) }

func (w *writer) uint(v uint64) {
	binary.BigEndian.PutUint64(w.buf[:8], v)
	w.h.Write(w.buf[:8])
}

func (w *writer) str(s string) {
	w.uint(uint64(len(s)))
	_, _ = io.WriteString(w.h, s)
}

func (w *writer) bytes(b []byte) {
	w.uint(uint64(len(b)))
	w.h.Write(b)
}

func (w *writer) literalValue(l *corev1.Literal) {
	switch v := l.GetValue().(type) {
	case *corev1.Literal_Scalar:
		w.tag('S')
		w.scalar(v.Scalar)
	case *corev1.Literal_Collection:
		ls := v.Collection.GetLiterals()
		w.tag('C')
		w.uint(uint64(len(ls)))
		for _, x := range ls {
			w.str(LiteralHash(x))
		}
	case *corev1.Literal_Map:
		m := v.Map.GetLiterals()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.tag('M')
		w.uint(uint64(len(keys)))
		for _, k := range keys {
			w.str(k)
			w.str(LiteralHash(m[k]))
		}
	case *corev1.Literal_OffloadedMetadata:
		// Without a user hash, an offloaded value is known by where it is.
		o := v.OffloadedMetadata
		w.tag('F')
		w.str(o.GetUri())
		w.uint(o.GetSizeBytes())
		w.literalType(o.GetInferredType())
	default:
		w.tag('0')
	}
}

func (w *writer) scalar(s *corev1.Scalar) {
	switch v := s.GetValue().(type) {
	case *corev1.Scalar_Primitive:
		w.primitive(v.Primitive)
	case *corev1.Scalar_Blob:
		t := v.Blob.GetMetadata().GetType()
		w.tag('b')
		w.str(v.Blob.GetUri())
		w.str(t.GetFormat())
		w.uint(uint64(t.GetDimensionality()))
	case *corev1.Scalar_Binary:
		w.tag('y')
		w.str(v.Binary.GetTag())
		w.bytes(v.Binary.GetValue())
	case *corev1.Scalar_NoneType:
		w.tag('n')
	case *corev1.Scalar_Error:
		w.tag('e')
		w.str(v.Error.GetFailedNodeId())
		w.str(v.Error.GetMessage())
	case *corev1.Scalar_Generic:
		w.tag('g')
		w.structFields(v.Generic.GetFields())
	case *corev1.Scalar_StructuredDataset:
		d := v.StructuredDataset
		w.tag('d')
		w.str(d.GetUri())
		w.str(d.GetMetadata().GetStructuredDatasetType().GetFormat())
	case *corev1.Scalar_Union:
		// The variant matters as much as the value: 1 as int and 1 as a
		// tagged alternative are different inputs.
		w.tag('u')
		if tag := v.Union.GetType().GetStructure().GetTag(); tag != "" {
			w.tag('t')
			w.str(tag)
		} else {
			w.tag('T')
			w.literalType(v.Union.GetType())
		}
		w.str(LiteralHash(v.Union.GetValue()))
	default:
		w.tag('0')
	}
}

func (w *writer) primitive(p *corev1.Primitive) {
	switch v := p.GetValue().(type) {
	case *corev1.Primitive_Integer:
		w.tag('i')
		w.uint(uint64(v.Integer))
	case *corev1.Primitive_FloatValue:
		w.tag('f')
		w.uint(floatBits(v.FloatValue))
	case *corev1.Primitive_StringValue:
		w.tag('s')
		w.str(v.StringValue)
	case *corev1.Primitive_Boolean:
		w.tag('o')
		if v.Boolean {
			w.uint(1)
		} else {
			w.uint(0)
		}
	case *corev1.Primitive_Datetime:
		w.tag('t')
		w.uint(uint64(v.Datetime.GetSeconds()))
		w.uint(uint64(v.Datetime.GetNanos()))
	case *corev1.Primitive_Duration:
		w.tag('r')
		w.uint(uint64(v.Duration.GetSeconds()))
		w.uint(uint64(v.Duration.GetNanos()))
	default:
		w.tag('0')
	}
}

// floatBits makes equal floats hash equally: -0 is 0 and every NaN is one NaN.
func floatBits(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case math.IsNaN(f):
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}

func (w *writer) structFields(fields map[string]*structpb.Value) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.uint(uint64(len(keys)))
	for _, k := range keys {
		w.str(k)
		w.structValue(fields[k])
	}
}

func (w *writer) structValue(v *structpb.Value) {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue:
		w.tag('n')
	case *structpb.Value_NumberValue:
		w.tag('f')
		w.uint(floatBits(k.NumberValue))
	case *structpb.Value_StringValue:
		w.tag('s')
		w.str(k.StringValue)
	case *structpb.Value_BoolValue:
		w.tag('o')
		if k.BoolValue {
			w.uint(1)
		} else {
			w.uint(0)
		}
	case *structpb.Value_StructValue:
		w.tag('g')
		w.structFields(k.StructValue.GetFields())
	case *structpb.Value_ListValue:
		vs := k.ListValue.GetValues()
		w.tag('l')
		w.uint(uint64(len(vs)))
		for _, x := range vs {
			w.structValue(x)
		}
	default:
		w.tag('0')
	}
}

func (w *writer) varMap(m *corev1.VariableMap) {
	vars := m.GetVariables()
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	w.uint(uint64(len(names)))
	for _, n := range names {
		w.str(n)
		w.literalType(vars[n].GetType())
	}
}

// literalType writes what type checks look at: the kind and its
// parameters, and the structure tag and attribute types that tell union
// variants apart.
func (w *writer) literalType(t *corev1.LiteralType) {
	switch v := t.GetType().(type) {
	case *corev1.LiteralType_Simple:
		w.tag('s')
		w.uint(uint64(v.Simple))
	case *corev1.LiteralType_Blob:
		w.tag('b')
		w.str(v.Blob.GetFormat())
		w.uint(uint64(v.Blob.GetDimensionality()))
	case *corev1.LiteralType_CollectionType:
		w.tag('c')
		w.literalType(v.CollectionType)
	case *corev1.LiteralType_MapValueType:
		w.tag('m')
		w.literalType(v.MapValueType)
	case *corev1.LiteralType_EnumType:
		vs := v.EnumType.GetValues()
		w.tag('e')
		w.uint(uint64(len(vs)))
		for _, x := range vs {
			w.str(x)
		}
	case *corev1.LiteralType_StructuredDatasetType:
		d := v.StructuredDatasetType
		w.tag('d')
		w.str(d.GetFormat())
		w.str(d.GetExternalSchemaType())
		w.bytes(d.GetExternalSchemaBytes())
		w.uint(uint64(len(d.GetColumns())))
		for _, c := range d.GetColumns() {
			w.str(c.GetName())
			w.literalType(c.GetLiteralType())
		}
	case *corev1.LiteralType_UnionType:
		vs := v.UnionType.GetVariants()
		w.tag('u')
		w.uint(uint64(len(vs)))
		for _, x := range vs {
			w.literalType(x)
		}
	default:
		w.tag('0')
	}
	if s := t.GetStructure(); s != nil {
		w.tag('S')
		w.str(s.GetTag())
		dc := s.GetDataclassType()
		keys := make([]string, 0, len(dc))
		for k := range dc {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.uint(uint64(len(keys)))
		for _, k := range keys {
			w.str(k)
			w.literalType(dc[k])
		}
	}
}
