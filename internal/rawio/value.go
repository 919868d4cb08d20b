package rawio

import (
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
)

// EncodeValue renders a literal as the bytes of its input file by the rules
// of rawvalue.Encode. Files, directories and datasets are written as their
// URI; WriteInputs downloads them instead.
func EncodeValue(l *corev1.Literal) ([]byte, error) {
	return rawvalue.Encode(l, rawvalue.Hooks{})
}

// DecodeValue converts the bytes of an output file to a literal of type t by
// the rules of rawvalue.Decode, the inverse of EncodeValue. File, directory
// and dataset values must be URIs here; ReadOutputs uploads files instead.
func DecodeValue(data []byte, t *corev1.LiteralType) (*corev1.Literal, error) {
	return rawvalue.Decode(data, t, rawvalue.Hooks{})
}
