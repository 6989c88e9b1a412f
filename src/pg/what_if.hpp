// what_if.hpp - hypothetical indexes for what-if planning.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
// WhatIfIndexName returns the name of a hypothetical index being planned with,
// or NULL when oid is not one.
const char *WhatIfIndexName(Oid oid);
}	// namespace xray::pg
