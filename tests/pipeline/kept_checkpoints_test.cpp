#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <genattn/pipeline/kept_checkpoints.hpp>

#include "support/errors.hpp"
#include "support/temp_dir.hpp"
#include "support/text_model_dir.hpp"

using namespace genattn;
using genattn_test::message_of;
using genattn_test::TempDir;

namespace {

/// The words model.ckpt of `dir` holds (text settings, vocabulary hashes).
std::vector<std::pair<std::string, std::uint64_t>> model_words(const std::string& dir) {
  return load_checkpoint(model_files::model(dir)).state;
}

}  // namespace

// Each save is the next number; the oldest beyond `keep` go; other files in
// the folder are not the run's and are left alone.
TEST(KeptCheckpoints, TheNewestKAreKeptInOrder) {
  TempDir dir("kept");
  const std::string d = dir.path.string();
  genattn_test::write_text_model_dir(d, false);
  EXPECT_TRUE(kept_checkpoints(d).empty());
  const TextModel m = TextModel::load(d);
  std::filesystem::create_directories(model_files::checkpoints(d));
  std::ofstream(model_files::checkpoints(d) + "/notes.txt") << "mine";
  for (int i = 0; i < 3; ++i) keep_checkpoint(d, m.model, m.params, model_words(d), 2);
  const auto kept = kept_checkpoints(d);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(std::filesystem::path(kept[0]).filename(), "model-000002.ckpt");
  EXPECT_EQ(std::filesystem::path(kept[1]).filename(), "model-000003.ckpt");
  EXPECT_TRUE(std::filesystem::exists(model_files::checkpoints(d) + "/notes.txt"));
  remove_kept_checkpoints(d);
  EXPECT_TRUE(kept_checkpoints(d).empty());
  EXPECT_EQ(detail::kept_number("model-000012.ckpt"), 12u);
  for (const char* other : {"model-.ckpt", "model-12x.ckpt", "model-12.tmp", "last.ckpt", "model-1234567890123456789.ckpt"})
    EXPECT_EQ(detail::kept_number(other), 0u) << other;
}

// average_model writes a model directory whose weights are the mean of the
// last k kept networks, with the run's vocabularies; it loads and decodes.
TEST(KeptCheckpoints, AverageModelIsTheMeanOfTheLastK) {
  TempDir dir("kept");
  const std::string d = (dir.path / "run").string(), out = (dir.path / "avg").string();
  genattn_test::write_text_model_dir(d, true);
  TextModel m = TextModel::load(d);
  const auto words = model_words(d);
  std::vector<ParamBuffer<float>> saved;
  for (const float scale : {1.0f, 0.5f, 2.0f, -1.0f}) {
    ParamBuffer<float> p = m.params;
    p.flat() *= scale;
    keep_checkpoint(d, m.model, p, words, 3);
    saved.push_back(p);
  }
  const auto used = average_model(d, 2, out);
  ASSERT_EQ(used.size(), 2u);
  EXPECT_EQ(std::filesystem::path(used[0]).filename(), "model-000003.ckpt");
  const TextModel avg = TextModel::load(out);
  const auto want = ((saved[2].flat().cast<double>() + saved[3].flat().cast<double>()) / 2.0).cast<float>().eval();
  EXPECT_EQ(avg.params.flat(), want);
  EXPECT_EQ(avg.target.size(), m.target.size());
  EXPECT_FALSE(avg.summarize(genattn_test::text_model_documents(), SearchConfig{}).empty());
  // all kept (0): the last three
  EXPECT_EQ(average_model(d, 0, out).size(), 3u);
}

TEST(KeptCheckpoints, AverageModelErrorsAreOneLine) {
  TempDir dir("kept");
  const std::string d = (dir.path / "run").string(), out = (dir.path / "avg").string();
  genattn_test::write_text_model_dir(d, false);
  EXPECT_EQ(message_of<TextModelError>([&] { (void)average_model(d, 0, out); }),
            d + " keeps no checkpoints (" + d + "/checkpoints/model-*.ckpt): train it with --keep-checkpoints K");
  const TextModel m = TextModel::load(d);
  keep_checkpoint(d, m.model, m.params, model_words(d), 5);
  EXPECT_EQ(message_of<TextModelError>([&] { (void)average_model(d, 2, out); }),
            "asked for the last 2 checkpoints, " + d + " keeps 1");
  EXPECT_EQ(message_of<TextModelError>([&] { (void)average_model(d, 1, d); }),
            d + " is the model directory itself: write the average into another one");
  // a kept network of another shape
  Seq2SeqConfig wide = m.model.config();
  wide.decoder_hidden += 2;
  const Seq2Seq<float> other(wide);
  keep_checkpoint(d, other, other.init_params(1), model_words(d), 5);
  const std::string msg = message_of<TextModelError>([&] { (void)average_model(d, 2, out); });
  EXPECT_NE(msg.find("has another model configuration"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(model_files::model(out)));  // nothing written
}
