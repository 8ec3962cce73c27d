// libFuzzer: the summarizer's command line and its config file together, as
// `summarize [--config FILE] COMMAND ...` reads them (CLI11's parser, the
// config reader's checks and every option's validator).
//
// An input's first line is the arguments, split at spaces; the rest is the
// config file. In the arguments, @CONFIG@ and @FILE@ stand for the config
// file's path (an existing file, for the options that need one).
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../../examples/summarize/command_line.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/fuzz_command_line-" + std::to_string(::getpid()) + ".toml";
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (newline != std::string::npos) out << input.substr(newline + 1);
  }
  std::vector<std::string> args;
  std::istringstream words(input.substr(0, newline));
  for (std::string w; words >> w;) args.push_back(w == "@CONFIG@" || w == "@FILE@" ? path : w);
  if (args.size() > 64) return 0;
  std::reverse(args.begin(), args.end());  // App::parse(vector) takes them last first
  summarize::CommandLine cl;
  try {
    cl.app.parse(args);
  } catch (const CLI::Error&) {
  }
  return 0;
}
