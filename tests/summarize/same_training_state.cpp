// same_training_state A.ckpt B.ckpt: exit 0 when both hold the same config,
// parameters, optimizer moments and step, bit for bit (their trainer words,
// such as the elapsed time, may differ); else say what differs and exit 1.
#include <genattn/genattn.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: same_training_state A.ckpt B.ckpt\n");
    return 2;
  }
  try {
    const genattn::Checkpoint a = genattn::load_checkpoint(argv[1]), b = genattn::load_checkpoint(argv[2]);
    const char* diff = a.config != b.config                   ? "config"
                       : a.values != b.values                 ? "parameters"
                       : a.moments != b.moments               ? "optimizer moments"
                       : a.optimizer_step != b.optimizer_step ? "optimizer step"
                                                              : nullptr;
    if (diff != nullptr) {
      std::fprintf(stderr, "%s and %s differ in their %s\n", argv[1], argv[2], diff);
      return 1;
    }
    std::printf("same training state: %lld updates\n", static_cast<long long>(a.optimizer_step));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "same_training_state: %s\n", e.what());
    return 1;
  }
}
