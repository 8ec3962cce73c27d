// examples/summarize/serve_unavailable.cpp: `summarize serve` in a build
// without cpp-httplib (CMake found no libcpp-httplib-dev): it says so.
#include "serve_command.hpp"

namespace summarize {

int serve_command(const ServeOptions&) {
  throw InputError("this summarize was built without the server: install libcpp-httplib-dev "
                   "(scripts/install-deps.sh does) and configure again");
}

}  // namespace summarize
