// Compatibility: checkpoints written by format version 1 and by version 2
// with int8 weights (committed in tests/fixtures/compat/, never regenerated)
// still load and give the outputs recorded when they were written; the
// version-1 training state resumes. A change that breaks old files
// fails here; a new format version adds a new fixture beside this one.
// tests/train/write_compat_fixture.cpp wrote them: a small additive-attention
// model trained 5 Adam updates, saved with its optimizer state (version 1)
// and quantized to int8 (version 2, the same updates).
#include <gtest/gtest.h>

#include <fstream>

#include "compat_model.hpp"

using namespace genattn;
using namespace genattn_test;

namespace {

// The checkpoint's outputs, as float and as double, against those recorded.
void expect_recorded_outputs(const Checkpoint& c, const std::string& name) {
  std::ifstream in(compat_dir + name + ".expected");
  std::vector<std::string> expected;
  for (std::string line; std::getline(in, line);) expected.push_back(line);
  ASSERT_EQ(expected.size(), 1 + compat_sources.size());
  const double recorded_loss = std::stod(expected[0].substr(5));
  auto check = [&](const auto& loaded, double tolerance) {
    const auto got = compat_outputs(loaded.model, loaded.params);
    // the loss to float rounding (compilers may order sums differently); the tokens exactly
    EXPECT_NEAR(std::stod(got[0].substr(5)), recorded_loss, tolerance * recorded_loss);
    for (std::size_t i = 1; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]);
  };
  check(load_model<float>(c, name), 1e-5);
  check(load_model<double>(c, name), 1e-5);  // values convert on load
}

}  // namespace

TEST(Compat, FormatVersion1StillLoadsAndGivesTheRecordedOutputs) {
  const Checkpoint c = load_checkpoint(compat_dir + "v1-trained.ckpt");
  EXPECT_EQ(c.scalar_bytes, 4);
  EXPECT_TRUE(c.has_optimizer);
  EXPECT_EQ(c.optimizer_step, 5);
  EXPECT_EQ(c.state_word("cursor"), 5u);
  EXPECT_EQ(checkpoint_precision(c), Precision::float32);
  expect_recorded_outputs(c, "v1-trained");
}

TEST(Compat, FormatVersion2Int8StillLoadsAndGivesTheRecordedOutputs) {
  const Checkpoint c = load_checkpoint(compat_dir + "v2-int8.ckpt");
  EXPECT_FALSE(c.has_optimizer);
  EXPECT_EQ(c.state_word("cursor"), 5u);
  EXPECT_EQ(checkpoint_precision(c), Precision::int8);
  int int8_slots = 0;
  for (const auto& s : c.slots) int8_slots += s.encoding == SlotEncoding::int8_rows || s.encoding == SlotEncoding::int8_cols;
  EXPECT_GT(int8_slots, 10);
  expect_recorded_outputs(c, "v2-int8");
}

// Read for decoding (TextModel::load's reader), the files give the recorded
// summaries: the float file's values bit for bit those load_model reads; the
// int8 file's weights held at int8 (its loss, a training pass, is refused).
TEST(Compat, BothVersionsLoadForDecodingWithTheRecordedSummaries) {
  for (const std::string name : {"v1-trained", "v2-int8"}) {
    SCOPED_TRACE(name);
    const std::string bytes = read_file(compat_dir + name + ".ckpt", "checkpoint");
    Checkpoint header;
    const auto loaded = load_model_for_decoding<float>(bytes, name, header);
    const Checkpoint c = load_checkpoint(compat_dir + name + ".ckpt");
    EXPECT_TRUE(header.values.empty());
    EXPECT_TRUE(header.moments.empty());  // read past, not kept
    EXPECT_EQ(header.state, c.state);
    EXPECT_EQ(header.config, c.config);
    std::ifstream in(compat_dir + name + ".expected");
    std::vector<std::string> expected;
    for (std::string line; std::getline(in, line);) expected.push_back(line);
    ASSERT_EQ(expected.size(), 1 + compat_sources.size());
    for (std::size_t i = 0; i < compat_sources.size(); ++i) {
      const auto& s = compat_sources[i];
      const auto h = greedy_search(loaded.model, loaded.params, s, {static_cast<Index>(s.size())}, SearchConfig{});
      std::string line = "greedy";
      for (TokenId t : h.front().tokens) line += " " + std::to_string(t);
      EXPECT_EQ(line, expected[i + 1]);
    }
    if (name == "v1-trained") {
      EXPECT_FALSE(loaded.params.holds_encoded());
      EXPECT_EQ(loaded.params.flat(), load_model<float>(c, name).params.flat());
    } else {
      EXPECT_TRUE(loaded.params.holds_encoded());
      typename Seq2Seq<float>::Cache cache;
      EXPECT_THROW(loaded.model.loss(loaded.params, compat_batch(), cache), std::invalid_argument);
    }
  }
}

TEST(Compat, FormatVersion1TrainingStateResumes) {
  Seq2Seq<float> model(compat_config());
  ParamBuffer<float> p = model.init_params(99);
  Trainer<float> trainer(model, p, TrainerConfig{});
  trainer.resume(compat_dir + "v1-trained.ckpt");
  EXPECT_EQ(trainer.updates(), 5);
  EXPECT_TRUE(trainer.train_batch(compat_batch()).updated);
  EXPECT_EQ(trainer.updates(), 6);
}
