// Writes tests/fixtures/compat/v1-trained.{ckpt,expected}. Run once per
// checkpoint format version, never to "fix" compat_test: a new version gets a
// new fixture and the old ones must keep loading.
//   cmake --build build --target write_compat_fixture && ./build/tests/write_compat_fixture
#include <fstream>

#include "compat_model.hpp"

int main() {
  using namespace genattn_test;
  Seq2Seq<float> model(compat_config());
  ParamBuffer<float> p = model.init_params(7);
  TrainerConfig tc;
  tc.schedule.base = 0.05;
  Trainer<float> trainer(model, p, tc);
  for (int i = 0; i < 5; ++i) trainer.train_batch(compat_batch());
  trainer.save(compat_dir + "v1-trained.ckpt", {{"cursor", 5}});
  std::ofstream out(compat_dir + "v1-trained.expected");
  for (const auto& line : compat_outputs(model, p)) out << line << "\n";
  return out ? 0 : 1;
}
