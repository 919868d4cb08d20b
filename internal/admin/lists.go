package admin

import (
	"math"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/internal/store"
)

// listOrder is the order of a list whose request does not say how to sort.
type listOrder struct {
	field string
	desc  bool
}

// Default orders: versions newest first, names and projects alphabetically.
var (
	defaultNewest = listOrder{field: "created_at", desc: true}
	defaultByName = listOrder{field: "name"}
	defaultByID   = listOrder{field: "id"}
)

// listParams maps the paging, filter and sort fields of a list request to
// the store's list params; the store validates them and reports a bad
// limit, token, filter or sort field as an invalid argument. Without
// sort_by the list's default order applies; a sort_by without a key sorts
// the default field in the given direction (descending unless ASCENDING,
// as the API's Sort.Direction says).
func listParams(limit uint32, token, filters string, sort *adminv1.Sort, def listOrder) store.ListParams {
	p := store.ListParams{
		Filters: filters,
		Token:   token,
		SortBy:  def.field,
		Desc:    def.desc,
		Limit:   clampLimit(limit),
	}
	if sort != nil {
		if sort.GetKey() != "" {
			p.SortBy = sort.GetKey()
		}
		p.Desc = sort.GetDirection() == adminv1.Sort_DIRECTION_DESCENDING
	}
	return p
}

// clampLimit converts a requested limit; values beyond the store's range
// stay beyond it so that the store names the problem.
func clampLimit(limit uint32) int {
	if uint64(limit) > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(limit)
}
