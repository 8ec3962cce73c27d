// examples/summarize: the summarizer's command line (CLI11).
//
//   summarize prepare TRANSLATION_FILE --out DIR
//   summarize [--config FILE] train --train FILE --valid FILE --model DIR [--resume | --restart]
//             [--bootstrap SEED] [--keep-checkpoints K] ...
//   summarize eval (--model DIR [--model DIR2 ...] | --lead N) --data FILE [--out FILE] [--show N] [search options]
//   summarize summarize --model DIR [--model DIR2 ...] [--input FILE] [--output FILE] [--attention FILE.svg] [search options]
//   summarize serve --model DIR [--host H] [--port P] [--max-batch N] [--max-wait-ms MS] [search options]
//   summarize quantize --model DIR --to bf16|int8 --out DIR2
//   summarize average --model DIR [--last K] --out DIR2
//   summarize score --hyp FILE --ref FILE [--stem] [--per-line]
//
// Every error in the user's input or files is one line on stderr and exit
// status 1; Ctrl-C during training saves a checkpoint and exits with 130.
#include <cstdio>

#include "command_line.hpp"
#include "prepare_command.hpp"
#include "score_command.hpp"

int main(int argc, char** argv) {
  using namespace summarize;
  CommandLine cl;
  CLI::App& app = cl.app;
  CLI11_PARSE(app, argc, argv);
  try {
    if (*cl.prepare) return prepare_command(cl.translation, cl.prepare_out);
    if (*cl.train) return train_command(cl.t);
    if (*cl.eval) return eval_command(cl.e);
    if (*cl.summ) return summarize_command(cl.s);
    if (*cl.serve) return serve_command(cl.v);
    if (*cl.quantize) return quantize_command(cl.q);
    if (*cl.average) return average_command(cl.a);
    if (*cl.score) return score_command(cl.hyp, cl.ref, cl.stem, cl.per_line);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "summarize: %s\n", ex.what());
    return 1;
  }
  return 0;
}
