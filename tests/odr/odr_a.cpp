// One of two translation units that include everything (see odr_use.hpp).
#include "odr_use.hpp"

double odr_a() { return odr_use_everything(); }
