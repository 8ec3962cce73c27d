// The second translation unit that includes everything (see odr_use.hpp).
#include "odr_use.hpp"

double odr_b() { return odr_use_everything(); }
