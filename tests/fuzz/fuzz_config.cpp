// libFuzzer: a config file -> the summarizer's command line (CLI11's reader
// and every option's check), as `summarize --config FILE train ...` reads it.
#include <cstdint>
#include <sstream>
#include <string>

#include "../../examples/summarize/command_line.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  summarize::CommandLine cl;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    cl.app.parse_from_stream(in);
  } catch (const CLI::Error&) {
  }
  return 0;
}
