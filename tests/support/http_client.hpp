// tests/support/http_client.hpp: cpp-httplib for the tests' clients.
//
// cpp-httplib includes <resolv.h>, whose _res macro ((*__res_state()))
// breaks every Eigen header included after it (Eigen names parameters
// _res); no test uses the resolver's state, so the macro goes.
#pragma once

#include <httplib.h>

#undef _res
