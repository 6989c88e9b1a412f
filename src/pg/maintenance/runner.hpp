// runner.hpp - xray.run_maintenance's coordinator and children (runner.cpp):
// the shared slot that lets one run at a time.
#pragma once
#include "pg_includes.hpp"

namespace xray::pg
{
void MaintenanceRequestShmem();
void MaintenanceStartup();
} // namespace xray::pg
