// Writes tests/fixtures/compat/v2-int8.{ckpt,expected}: the model of
// v1-trained.ckpt (the same 5 updates) stored by format version 2 with int8
// weights (quantize_checkpoint), and its outputs as loaded back. Run once per
// checkpoint format version, never to "fix" compat_test: a new version gets a
// new fixture and the old ones (v1-trained.*, written by this program's
// version-1 form) must keep loading.
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
  Checkpoint c = model_checkpoint(model, p);
  c.state = {{"cursor", 5}};
  quantize_checkpoint(c, Precision::int8);
  const std::string path = compat_dir + "v2-int8.ckpt";
  save_checkpoint(path, c);
  const LoadedModel<float> back = load_model<float>(load_checkpoint(path), path);
  std::ofstream out(compat_dir + "v2-int8.expected");
  for (const auto& line : compat_outputs(back.model, back.params)) out << line << "\n";
  return out ? 0 : 1;
}
