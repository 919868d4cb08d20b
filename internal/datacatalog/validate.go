package datacatalog

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"

	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/rpcerror"
	"github.com/flyte-go/flyte/internal/store"
)

// MaxFieldLength is the longest identifier field (project, domain, name,
// version, artifact id, tag name, owner id, partition key or value), in
// bytes. Four of them together stay within what a PostgreSQL index entry
// can hold.
const MaxFieldLength = 512

var errMissingRequest = errors.New("request message is required")

// procedureOf names an RPC called in process, by its request type.
func procedureOf[Req any]() string {
	return fmt.Sprintf("in process %T", (*Req)(nil))
}

// problems collects the problems of one request, so a caller learns every
// invalid field at once.
type problems struct {
	list []string
}

// addf records a problem with field, which is named first.
func (p *problems) addf(field, format string, args ...any) {
	p.list = append(p.list, field+": "+fmt.Sprintf(format, args...))
}

// text checks a required identifier field.
func (p *problems) text(field, v string) {
	if v == "" {
		p.addf(field, "required")
		return
	}
	p.optionalText(field, v)
}

// optionalText checks an identifier field that may be empty.
func (p *problems) optionalText(field, v string) {
	switch {
	case len(v) > MaxFieldLength:
		p.addf(field, "longer than %d bytes", MaxFieldLength)
	case !utf8.ValidString(v):
		p.addf(field, "not valid UTF-8")
	case strings.ContainsRune(v, 0):
		p.addf(field, "contains a NUL character")
	}
}

// err returns an InvalidArgument error listing every problem, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return rpcerror.Errorf(connect.CodeInvalidArgument, "%s", strings.Join(p.list, "; "))
}

// datasetKey checks a dataset identifier that must name the dataset by
// its four key fields and returns the key. A uuid, when also given, is
// ignored: keys are what artifacts, tags and reservations are stored under.
func (p *problems) datasetKey(field string, id *datacatalogv1.DatasetID) store.DatasetKey {
	if id == nil {
		p.addf(field, "required")
		return store.DatasetKey{}
	}
	p.text(field+".project", id.GetProject())
	p.text(field+".domain", id.GetDomain())
	p.text(field+".name", id.GetName())
	p.text(field+".version", id.GetVersion())
	return keyOf(id)
}

// datasetRef checks a dataset identifier that names the dataset either by
// uuid or by its four key fields.
func (p *problems) datasetRef(field string, id *datacatalogv1.DatasetID) store.DatasetGetParams {
	if id == nil {
		p.addf(field, "required (by project, domain, name and version, or by uuid)")
		return store.DatasetGetParams{}
	}
	if id.GetUuid() != "" && id.GetProject() == "" && id.GetDomain() == "" && id.GetName() == "" && id.GetVersion() == "" {
		p.optionalText(field+".uuid", id.GetUuid())
		return store.DatasetGetParams{UUID: id.GetUuid()}
	}
	return store.DatasetGetParams{Key: p.datasetKey(field, id)}
}

// keyOf is the store key of an API identifier.
func keyOf(id *datacatalogv1.DatasetID) store.DatasetKey {
	return store.DatasetKey{Project: id.GetProject(), Domain: id.GetDomain(), Name: id.GetName(), Version: id.GetVersion()}
}

// page checks pagination options and returns the store's limit, token and
// direction.
func (p *problems) page(field string, o *datacatalogv1.PaginationOptions) (limit int, token string, asc bool) {
	if o.GetLimit() > store.MaxLimit {
		p.addf(field+".limit", "at most %d, got %d", store.MaxLimit, o.GetLimit())
	}
	switch o.GetSortKey() {
	case datacatalogv1.PaginationOptions_SORT_KEY_CREATION_TIME:
	default:
		p.addf(field+".sort_key", "unknown sort key %d (lists sort by creation time)", o.GetSortKey())
	}
	switch o.GetSortOrder() {
	case datacatalogv1.PaginationOptions_SORT_ORDER_DESCENDING:
	case datacatalogv1.PaginationOptions_SORT_ORDER_ASCENDING:
		asc = true
	default:
		p.addf(field+".sort_order", "unknown sort order %d", o.GetSortOrder())
	}
	return int(min(o.GetLimit(), math.MaxInt32)), o.GetToken(), asc
}

// equalsOnly checks the operator of a filter: equality is the only one.
func (p *problems) equalsOnly(field string, f *datacatalogv1.SinglePropertyFilter) {
	if f.GetOperator() != datacatalogv1.SinglePropertyFilter_COMPARISON_OPERATOR_EQUALS {
		p.addf(field+".operator", "unknown operator %d (only equality is supported)", f.GetOperator())
	}
}

// datasetFilters reads the filter of ListDatasets into key fields: only
// dataset properties apply, each at most once.
func (p *problems) datasetFilters(field string, fe *datacatalogv1.FilterExpression) store.DatasetKey {
	var k store.DatasetKey
	for i, f := range fe.GetFilters() {
		at := fmt.Sprintf("%s.filters[%d]", field, i)
		p.equalsOnly(at, f)
		df := f.GetDatasetFilter()
		if df == nil {
			p.addf(at, "%s; datasets are filtered by project, domain, name and version only", filterKind(f))
			continue
		}
		set := func(dst *string, name, v string) {
			p.text(at+".dataset_filter."+name, v)
			if *dst != "" && *dst != v {
				p.addf(at+".dataset_filter."+name, "given twice with different values (%q and %q)", *dst, v)
			}
			*dst = v
		}
		switch prop := df.GetProperty().(type) {
		case *datacatalogv1.DatasetPropertyFilter_Project:
			set(&k.Project, "project", prop.Project)
		case *datacatalogv1.DatasetPropertyFilter_Domain:
			set(&k.Domain, "domain", prop.Domain)
		case *datacatalogv1.DatasetPropertyFilter_Name:
			set(&k.Name, "name", prop.Name)
		case *datacatalogv1.DatasetPropertyFilter_Version:
			set(&k.Version, "version", prop.Version)
		default:
			p.addf(at+".dataset_filter", "no property set")
		}
	}
	return k
}

// artifactFilters reads the filter of ListArtifacts into params: tag name
// and artifact id (each at most once) and partitions (all must match).
func (p *problems) artifactFilters(field string, fe *datacatalogv1.FilterExpression, params *store.ArtifactListParams) {
	for i, f := range fe.GetFilters() {
		at := fmt.Sprintf("%s.filters[%d]", field, i)
		p.equalsOnly(at, f)
		switch pf := f.GetPropertyFilter().(type) {
		case *datacatalogv1.SinglePropertyFilter_TagFilter:
			name := pf.TagFilter.GetTagName()
			p.text(at+".tag_filter.tag_name", name)
			if params.TagName != "" && params.TagName != name {
				p.addf(at+".tag_filter", "a second tag name (%q after %q): an artifact is listed by one tag", name, params.TagName)
			}
			params.TagName = name
		case *datacatalogv1.SinglePropertyFilter_ArtifactFilter:
			id := pf.ArtifactFilter.GetArtifactId()
			p.text(at+".artifact_filter.artifact_id", id)
			if params.ID != "" && params.ID != id {
				p.addf(at+".artifact_filter", "a second artifact id (%q after %q)", id, params.ID)
			}
			params.ID = id
		case *datacatalogv1.SinglePropertyFilter_PartitionFilter:
			kv := pf.PartitionFilter.GetKeyVal()
			if kv == nil {
				p.addf(at+".partition_filter.key_val", "required")
				continue
			}
			p.text(at+".partition_filter.key_val.key", kv.GetKey())
			p.optionalText(at+".partition_filter.key_val.value", kv.GetValue())
			params.Partitions = append(params.Partitions, store.Partition{Key: kv.GetKey(), Value: kv.GetValue()})
		case *datacatalogv1.SinglePropertyFilter_DatasetFilter:
			p.addf(at, "a dataset filter does not apply to artifacts: the dataset is the request's dataset field")
		default:
			p.addf(at, "no property filter set")
		}
	}
}

// filterKind names what a filter filters, for messages.
func filterKind(f *datacatalogv1.SinglePropertyFilter) string {
	switch f.GetPropertyFilter().(type) {
	case *datacatalogv1.SinglePropertyFilter_TagFilter:
		return "a tag filter"
	case *datacatalogv1.SinglePropertyFilter_PartitionFilter:
		return "a partition filter"
	case *datacatalogv1.SinglePropertyFilter_ArtifactFilter:
		return "an artifact filter"
	default:
		return "an empty filter"
	}
}

// artifactData checks the named values of an artifact: names present and
// unique, values set.
func (p *problems) artifactData(field string, data []*datacatalogv1.ArtifactData) {
	seen := make(map[string]int, len(data))
	for i, d := range data {
		at := fmt.Sprintf("%s[%d]", field, i)
		p.text(at+".name", d.GetName())
		if j, dup := seen[d.GetName()]; dup && d.GetName() != "" {
			p.addf(at+".name", "%q also names %s[%d]", d.GetName(), field, j)
		} else {
			seen[d.GetName()] = i
		}
		if d.GetValue() == nil {
			p.addf(at+".value", "required")
		}
	}
}

// metadata checks metadata keys.
func (p *problems) metadata(field string, m *datacatalogv1.Metadata) {
	for k, v := range m.GetKeyMap() {
		if k == "" {
			p.addf(field+".key_map", "empty key")
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			p.addf(field+".key_map", "key %q: not valid UTF-8", k)
		}
	}
}
