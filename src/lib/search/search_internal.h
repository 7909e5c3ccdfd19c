/* search_internal.h - the search layer inside libstackplan: it enumerates layouts and fleets
 * and asks the estimators (estimate/ and common/, nothing above). Everything it offers is in
 * the public header (sp_train_search, sp_pareto_front, sp_serve_plan); this header is the
 * layer's one include. Not part of the API. */
#ifndef SP_SEARCH_INTERNAL_H
#define SP_SEARCH_INTERNAL_H

#include "estimate_internal.h"

#endif
