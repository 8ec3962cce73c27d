// examples/summarize/prepare_command.cpp: `summarize prepare` (see prepare_command.hpp).
#include "prepare_command.hpp"

#include <cstdio>
#include <filesystem>
#include <string>

#include "translation_index.hpp"

namespace summarize {

int prepare_command(const std::string& input, const std::string& out_dir) {
  // the outputs first: an unwritable one is found before the work, not after
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (!std::filesystem::is_directory(out_dir))
    throw InputError("cannot create the output directory " + out_dir + (ec ? ": " + ec.message() : ""));
  const char* names[3] = {"train.tsv", "valid.tsv", "test.tsv"};
  try {
    for (const char* name : names) genattn::check_output_path(out_dir + "/" + name, "corpus file");
  } catch (const genattn::FileError& e) {
    throw InputError(e.what());
  }
  const PreparedCorpus c = prepare_file(input);
  for (int k = 0; k < 3; ++k) genattn::write_file_atomically(out_dir + "/" + names[k], c.files[k], "corpus file");
  const PrepareStats& s = c.stats;
  std::fprintf(stderr,
               "%zu records: %zu train, %zu valid, %zu test pairs; dropped %zu without a paragraph, %zu too short, "
               "%zu repeats, %zu without a package name\n",
               s.records, s.per_split[0], s.per_split[1], s.per_split[2], s.no_paragraph, s.too_short, s.repeats,
               s.no_package);
  return 0;
}

}  // namespace summarize
