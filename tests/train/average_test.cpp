#include <gtest/gtest.h>

#include <genattn/train/average.hpp>
#include <genattn/train/trainer.hpp>

#include <string>
#include <vector>

#include "../support/errors.hpp"
#include "../support/temp_dir.hpp"

using namespace genattn;
using genattn_test::message_of;
using genattn_test::TempDir;

namespace {

Seq2SeqConfig average_config(Index hidden = 3) {
  Seq2SeqConfig c;
  c.src_vocab = 9;
  c.tgt_vocab = 8;
  c.embedding = 3;
  c.encoder_hidden = 2;
  c.decoder_hidden = hidden;
  return c;
}

/// A model's checkpoint at `path`, its weights drawn from `seed`, with one
/// trainer word `step`.
ParamBuffer<float> write_model(const std::string& path, std::uint64_t seed, std::uint64_t step,
                               const Seq2SeqConfig& c = average_config()) {
  const Seq2Seq<float> model(c);
  ParamBuffer<float> p = model.init_params(seed);
  save_model(path, model, p, {{"step", step}});
  return p;
}

}  // namespace

// Each parameter is the mean of the checkpoints' (in double, then float),
// the trainer words are the last checkpoint's, and the result loads as a
// model.
TEST(AverageCheckpoints, EachParameterIsTheMean) {
  TempDir dir("average");
  const std::string a = (dir.path / "a.ckpt").string(), b = (dir.path / "b.ckpt").string(),
                    c = (dir.path / "c.ckpt").string();
  const auto pa = write_model(a, 1, 10), pb = write_model(b, 2, 20), pc = write_model(c, 3, 30);
  const Checkpoint mean = average_checkpoints({a, b, c});
  EXPECT_EQ(mean.state_word("step"), 30u);
  EXPECT_FALSE(mean.has_optimizer);
  const auto loaded = load_model<float>(mean, "mean");
  const auto& layout = loaded.model.layout();
  for (const auto& slot : layout.slots()) {
    const auto m = loaded.params[slot.param];
    for (Index i = 0; i < m.size(); ++i) {
      const double want = (static_cast<double>(pa[slot.param].data()[i]) + static_cast<double>(pb[slot.param].data()[i]) +
                           static_cast<double>(pc[slot.param].data()[i])) / 3.0;
      EXPECT_EQ(m.data()[i], static_cast<float>(want)) << slot.name << " " << i;
    }
  }
  // a checkpoint with itself is itself, bit for bit
  const Checkpoint self = average_checkpoints({a, a});
  EXPECT_EQ(self.values, load_checkpoint(a).values);
}

// A run's last.ckpt (with the optimizer's state) averages into a plain model.
TEST(AverageCheckpoints, TheOptimizerStateIsDropped) {
  TempDir dir("average");
  const std::string a = (dir.path / "a.ckpt").string(), last = (dir.path / "last.ckpt").string();
  write_model(a, 1, 10);
  const Seq2Seq<float> model(average_config());
  ParamBuffer<float> p = model.init_params(5);
  TrainerConfig tc;
  Trainer<float> trainer(model, p, tc);
  trainer.save(last, {{"step", 40}});
  ASSERT_TRUE(load_checkpoint(last).has_optimizer);
  const Checkpoint mean = average_checkpoints({a, last});
  EXPECT_FALSE(mean.has_optimizer);
  EXPECT_TRUE(mean.moments.empty());
  EXPECT_EQ(mean.state_word("step"), 40u);
}

// Checkpoints of another network, a missing file and no file at all are
// errors naming the file.
TEST(AverageCheckpoints, OtherNetworksAreRefused) {
  TempDir dir("average");
  const std::string a = (dir.path / "a.ckpt").string(), wide = (dir.path / "wide.ckpt").string();
  write_model(a, 1, 10);
  write_model(wide, 2, 20, average_config(5));
  EXPECT_EQ(message_of<CheckpointError>([&] { (void)average_checkpoints({a, wide}); }),
            wide + " has another model configuration than " + a + ": only checkpoints of one network average");
  const std::string missing = (dir.path / "missing.ckpt").string();
  EXPECT_NE(message_of<CheckpointError>([&] { (void)average_checkpoints({a, missing}); }).find(missing),
            std::string::npos);
  EXPECT_EQ(message_of<CheckpointError>([] { (void)average_checkpoints({}); }),
            "average_checkpoints: no checkpoint to average");
}
