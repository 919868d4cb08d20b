package authoring

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// maxConditionDepth bounds parenthesis nesting in a branch condition.
const maxConditionDepth = 64

// Branch conditions are a small expression language:
//
//	cond    := and ("or" and)*
//	and     := primary ("and" primary)*
//	primary := "(" cond ")" | operand [op operand]
//	op      := "==" | "!=" | "<" | "<=" | ">" | ">="
//	operand := $reference | integer | float | 'string' | "string" | true | false | none
//
// "and" binds tighter than "or". A lone reference means "$ref == true". At
// least one side of a comparison is a reference; each reference becomes an
// input of the branch node, named by the reference text without "$", and
// its operand is that input's name.

// condition is a parsed branch condition and the references it reads.
type condition struct {
	expr *corev1.BooleanExpression
	refs []*reference // distinct, in order of first appearance
}

// parseCondition parses a branch condition.
func parseCondition(src string) (*condition, error) {
	l := &condLexer{src: src}
	toks, err := l.all()
	if err != nil {
		return nil, fmt.Errorf("condition %q: %w", src, err)
	}
	p := &condParser{toks: toks, seen: map[string]bool{}}
	e, err := p.or(0)
	if err == nil && p.peek().kind != ctEOF {
		err = fmt.Errorf("unexpected %s at offset %d", p.peek(), p.peek().pos+1)
	}
	if err != nil {
		return nil, fmt.Errorf("condition %q: %w", src, err)
	}
	return &condition{expr: e, refs: p.refs}, nil
}

type condTokKind int

const (
	ctEOF condTokKind = iota
	ctRef
	ctInt
	ctFloat
	ctString
	ctWord // true, false, none, and, or
	ctOp
	ctOpen
	ctClose
)

type condTok struct {
	kind condTokKind
	text string
	pos  int
	ref  *reference
	i    int64
	f    float64
}

func (t condTok) String() string {
	switch t.kind {
	case ctEOF:
		return "end of condition"
	case ctRef:
		return "$" + t.text
	case ctString:
		return strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

type condLexer struct {
	src string
	pos int
}

func (l *condLexer) all() ([]condTok, error) {
	var out []condTok
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		if t.kind == ctEOF {
			return out, nil
		}
	}
}

func isRefByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == '[' || c == ']' ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func (l *condLexer) next() (condTok, error) {
	for l.pos < len(l.src) && strings.ContainsRune(" \t\r\n", rune(l.src[l.pos])) {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return condTok{kind: ctEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case c == '(':
		l.pos++
		return condTok{kind: ctOpen, text: "(", pos: start}, nil
	case c == ')':
		l.pos++
		return condTok{kind: ctClose, text: ")", pos: start}, nil
	case strings.ContainsRune("=!<>", rune(c)):
		for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
			if strings.HasPrefix(l.src[l.pos:], op) {
				l.pos += len(op)
				return condTok{kind: ctOp, text: op, pos: start}, nil
			}
		}
		return condTok{}, fmt.Errorf("unknown operator at offset %d (want ==, !=, <, <=, > or >=)", start+1)
	case c == '$':
		l.pos++
		// A reference runs over name characters and bracketed quoted keys.
		for l.pos < len(l.src) {
			ch := l.src[l.pos]
			if ch == '[' && l.pos+1 < len(l.src) && (l.src[l.pos+1] == '"' || l.src[l.pos+1] == '\'') {
				q := l.src[l.pos+1]
				end := strings.IndexByte(l.src[l.pos+2:], q)
				if end < 0 {
					return condTok{}, fmt.Errorf("unterminated quoted key at offset %d", l.pos+1)
				}
				l.pos += end + 3
				continue
			}
			if !isRefByte(ch) {
				break
			}
			l.pos++
		}
		text := l.src[start+1 : l.pos]
		r, err := parseReference(text)
		if err != nil {
			return condTok{}, err
		}
		return condTok{kind: ctRef, text: text, pos: start, ref: r}, nil
	case c == '"' || c == '\'':
		end := strings.IndexByte(l.src[l.pos+1:], c)
		if end < 0 {
			return condTok{}, fmt.Errorf("unterminated string at offset %d", start+1)
		}
		l.pos += end + 2
		return condTok{kind: ctString, text: l.src[start+1 : l.pos-1], pos: start}, nil
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		l.pos++
		for l.pos < len(l.src) && strings.ContainsRune("0123456789.eE_+-", rune(l.src[l.pos])) {
			if (l.src[l.pos] == '+' || l.src[l.pos] == '-') && !strings.ContainsRune("eE", rune(l.src[l.pos-1])) {
				break
			}
			l.pos++
		}
		text := l.src[start:l.pos]
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return condTok{kind: ctInt, text: text, pos: start, i: i}, nil
		}
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			return condTok{kind: ctFloat, text: text, pos: start, f: f}, nil
		}
		return condTok{}, fmt.Errorf("bad number %q at offset %d", text, start+1)
	case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
		for l.pos < len(l.src) && isRefByte(l.src[l.pos]) && l.src[l.pos] != '[' && l.src[l.pos] != ']' {
			l.pos++
		}
		w := l.src[start:l.pos]
		switch w {
		case "and", "or", "true", "false", "none":
			return condTok{kind: ctWord, text: w, pos: start}, nil
		case "AND", "OR", "True", "False", "None", "null", "not":
			return condTok{}, fmt.Errorf("unknown word %q at offset %d (the words are and, or, true, false and none)", w, start+1)
		}
		return condTok{}, fmt.Errorf("unknown word %q at offset %d (references start with $, strings are quoted)", w, start+1)
	}
	if c == '&' || c == '|' {
		return condTok{}, fmt.Errorf("unknown operator %q at offset %d (write and / or)", c, start+1)
	}
	return condTok{}, fmt.Errorf("unexpected character %q at offset %d", c, start+1)
}

type condParser struct {
	toks []condTok
	i    int
	refs []*reference
	seen map[string]bool
}

func (p *condParser) peek() condTok { return p.toks[p.i] }

func (p *condParser) take() condTok {
	t := p.toks[p.i]
	if t.kind != ctEOF {
		p.i++
	}
	return t
}

func (p *condParser) or(depth int) (*corev1.BooleanExpression, error) {
	return p.chain(depth, "or", corev1.ConjunctionExpression_LOGICAL_OPERATOR_OR, p.and)
}

func (p *condParser) and(depth int) (*corev1.BooleanExpression, error) {
	return p.chain(depth, "and", corev1.ConjunctionExpression_LOGICAL_OPERATOR_AND, p.primary)
}

// chain parses sub (word sub)* as a left-leaning tree of conjunctions.
func (p *condParser) chain(depth int, word string, op corev1.ConjunctionExpression_LogicalOperator,
	sub func(int) (*corev1.BooleanExpression, error)) (*corev1.BooleanExpression, error) {
	left, err := sub(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == ctWord && p.peek().text == word {
		p.take()
		right, err := sub(depth)
		if err != nil {
			return nil, err
		}
		left = &corev1.BooleanExpression{Expr: &corev1.BooleanExpression_Conjunction{Conjunction: &corev1.ConjunctionExpression{
			Operator: op, LeftExpression: left, RightExpression: right,
		}}}
	}
	return left, nil
}

var comparisonOps = map[string]corev1.ComparisonExpression_Operator{
	"==": corev1.ComparisonExpression_OPERATOR_EQ,
	"!=": corev1.ComparisonExpression_OPERATOR_NEQ,
	"<":  corev1.ComparisonExpression_OPERATOR_LT,
	"<=": corev1.ComparisonExpression_OPERATOR_LTE,
	">":  corev1.ComparisonExpression_OPERATOR_GT,
	">=": corev1.ComparisonExpression_OPERATOR_GTE,
}

func (p *condParser) primary(depth int) (*corev1.BooleanExpression, error) {
	if p.peek().kind == ctOpen {
		if depth >= maxConditionDepth {
			return nil, fmt.Errorf("parentheses nested more than %d deep", maxConditionDepth)
		}
		p.take()
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if t := p.take(); t.kind != ctClose {
			return nil, fmt.Errorf("want \")\" at offset %d, found %s", t.pos+1, t)
		}
		return e, nil
	}
	left, lt, err := p.operand()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != ctOp {
		if lt.kind != ctRef {
			return nil, fmt.Errorf("want a comparison at offset %d, found the constant %s alone", lt.pos+1, lt)
		}
		// A lone reference tests a boolean.
		return comparison(corev1.ComparisonExpression_OPERATOR_EQ, left, &corev1.Operand{Val: &corev1.Operand_Primitive{
			Primitive: &corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: true}}}}), nil
	}
	opTok := p.take()
	right, rt, err := p.operand()
	if err != nil {
		return nil, err
	}
	if lt.kind != ctRef && rt.kind != ctRef {
		return nil, fmt.Errorf("%s %s %s compares two constants; one side must be a $reference", lt, opTok.text, rt)
	}
	op := comparisonOps[opTok.text]
	ordered := op != corev1.ComparisonExpression_OPERATOR_EQ && op != corev1.ComparisonExpression_OPERATOR_NEQ
	for _, t := range []condTok{lt, rt} {
		if ordered && (t.kind == ctWord) {
			return nil, fmt.Errorf("%s can only be compared with == or !=", t.text)
		}
	}
	return comparison(op, left, right), nil
}

func comparison(op corev1.ComparisonExpression_Operator, l, r *corev1.Operand) *corev1.BooleanExpression {
	return &corev1.BooleanExpression{Expr: &corev1.BooleanExpression_Comparison{Comparison: &corev1.ComparisonExpression{
		Operator: op, LeftValue: l, RightValue: r,
	}}}
}

func (p *condParser) operand() (*corev1.Operand, condTok, error) {
	t := p.take()
	prim := func(v *corev1.Primitive) *corev1.Operand {
		return &corev1.Operand{Val: &corev1.Operand_Primitive{Primitive: v}}
	}
	switch t.kind {
	case ctRef:
		if !p.seen[t.text] {
			p.seen[t.text] = true
			p.refs = append(p.refs, t.ref)
		}
		return &corev1.Operand{Val: &corev1.Operand_Var{Var: t.text}}, t, nil
	case ctInt:
		return prim(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: t.i}}), t, nil
	case ctFloat:
		return prim(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: t.f}}), t, nil
	case ctString:
		return prim(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: t.text}}), t, nil
	case ctWord:
		switch t.text {
		case "true", "false":
			return prim(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: t.text == "true"}}), t, nil
		case "none":
			return &corev1.Operand{Val: &corev1.Operand_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}}}}, t, nil
		}
	}
	return nil, t, fmt.Errorf("want a $reference or a constant at offset %d, found %s", t.pos+1, t)
}
