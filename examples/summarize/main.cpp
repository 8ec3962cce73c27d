// examples/summarize: the summarizer's command line.
//
//   summarize score --hyp FILE --ref FILE [--stem] [--per-line]
//
// (prepare, train, eval and summarize arrive with the summarizer itself.)
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "score_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"genattn summarizer: Debian package descriptions to synopses"};
  app.require_subcommand(1);

  std::string hyp, ref;
  bool stem = false, per_line = false;
  CLI::App* score = app.add_subcommand("score", "Score hypotheses against references (BLEU, ROUGE-1/2/L) as JSON");
  score->add_option("--hyp", hyp, "hypotheses, one per line")->required()->check(CLI::ExistingFile);
  score->add_option("--ref", ref, "references, one per line")->required()->check(CLI::ExistingFile);
  score->add_flag("--stem", stem, "Porter-stem tokens longer than 3 characters (rouge_score's use_stemmer)");
  score->add_flag("--per-line", per_line, "also print each line's ROUGE scores");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*score) {
      std::cout << summarize::score(summarize::read_lines(hyp), summarize::read_lines(ref), stem, per_line).dump(2)
                << "\n";
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "summarize: %s\n", e.what());
    return 1;
  }
  return 0;
}
