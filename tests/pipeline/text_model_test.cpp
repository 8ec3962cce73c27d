#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include <genattn/pipeline/text_model.hpp>

#include "support/errors.hpp"
#include "support/temp_dir.hpp"
#include "support/text_model_dir.hpp"

using namespace genattn;
using genattn_test::TempDir;

namespace {

const std::vector<std::string>& kDocuments = genattn_test::text_model_documents();

void write_model_dir(const std::string& dir, bool copy) { genattn_test::write_text_model_dir(dir, copy); }

/// What summarize() should give for one document, from the parts.
std::string by_hand(const TextModel& m, const std::string& document, const SearchConfig& search) {
  auto tokens = m.tokenizer.tokenize(document);
  tokens.resize(std::min<std::size_t>(tokens.size(), static_cast<std::size_t>(m.text.max_source)));
  const Seq2SeqBatch batch = make_batch({m.source.encode(tokens)}, {TokenIds{}});
  Seq2SeqDecoder<float> dec(m.model, m.params, batch.src, batch.src_lengths);
  SearchConfig capped = search;
  capped.max_length = std::min(capped.max_length, m.longest_summary());
  const auto h = greedy_search(dec, capped);
  return Tokenizer::detokenize(m.target.decode(h.front().tokens));
}

}  // namespace

// Loaded from a directory, text in and text out: each summary is what the
// parts give by hand (tokenize, cut, encode, greedy, decode, detokenize), in
// input order; the cut is counted.
TEST(TextModel, LoadsADirectoryAndSummarizesLikeItsParts) {
  TempDir dir("text-model");
  write_model_dir(dir.path.string(), false);
  const TextModel m = TextModel::load(dir.path.string());
  SearchConfig search;
  search.beam = 1;  // greedy, as by_hand()
  DecodeOptions options;
  options.search = search;
  options.batch_size = 2;  // two batches, sorted by length
  TruncationCount cut;
  const auto out = m.summarize(kDocuments, options, &cut);
  ASSERT_EQ(out.size(), kDocuments.size());
  for (std::size_t i = 0; i < kDocuments.size(); ++i) {
    EXPECT_EQ(out[i].texts.front(), by_hand(m, kDocuments[i], search)) << i;
    EXPECT_EQ(out[i].source_tokens.size(), 9u) << i;
    EXPECT_LE(out[i].hypotheses.front().tokens.size(), 5u) << i;  // max_target 6, </s> included
    const auto& h = out[i].hypotheses.front();
    EXPECT_GE(h.alignment.size(), h.tokens.size()) << i;
    for (const auto& a : h.alignment) EXPECT_EQ(a.size(), 9) << i;
  }
  EXPECT_EQ(cut.documents, 3u);
  // the search-only overload and the n-best list
  search.beam = 3;
  search.n_best = 2;
  const auto beams = m.summarize(kDocuments, search);
  for (const auto& s : beams) {
    ASSERT_EQ(s.texts.size(), 2u);
    EXPECT_GE(s.hypotheses[0].score, s.hypotheses[1].score);
  }
}

// One loaded model serves many threads at once: 8 threads summarizing
// together give each the summaries one thread gives alone (a copy model, so
// the extended vocabularies are per call too).
TEST(TextModel, OneModelServesManyThreadsAtOnce) {
  TempDir dir("text-model-threads");
  write_model_dir(dir.path.string(), true);
  const TextModel m = TextModel::load(dir.path.string());
  SearchConfig search;
  search.beam = 2;
  DecodeOptions options;
  options.search = search;
  options.threads = 1;
  const auto alone = m.summarize(kDocuments, options);
  std::vector<std::vector<Summaries>> got(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t) threads.emplace_back([&, t] { got[t] = m.summarize(kDocuments, options); });
  for (auto& t : threads) t.join();
  for (const auto& g : got) {
    ASSERT_EQ(g.size(), alone.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      EXPECT_EQ(g[i].texts, alone[i].texts);
      EXPECT_EQ(g[i].hypotheses.front().score, alone[i].hypotheses.front().score);
    }
  }
}

// Each bad directory and each bad document is a TextModelError naming it.
TEST(TextModel, BadDirectoriesAndDocumentsAreNamedErrors) {
  using genattn_test::message_of;
  TempDir dir("text-model-bad");
  const std::string d = dir.path.string();
  EXPECT_EQ(message_of<TextModelError>([&] { TextModel::load(d + "/none"); }),
            d + "/none is not a model directory (summarize train --model " + d + "/none makes one)");
  EXPECT_EQ(message_of<TextModelError>([&] { TextModel::load(d); }),
            d + " holds no model.ckpt yet (training writes it after the first validation)");
  write_model_dir(d, false);
  const TextModel m = TextModel::load(d);
  SearchConfig search;
  EXPECT_EQ(message_of<TextModelError>([&] { m.summarize({"fine words", "   "}, search); }),
            "document 2: the document has no words");
  EXPECT_EQ(message_of<TextModelError>([&] { m.summarize({"bad \xff byte"}, search); }).rfind("document 1: ", 0), 0u);
  search.min_length = 6;
  EXPECT_EQ(message_of<TextModelError>([&] { m.summarize({"fine words"}, search); }),
            "min_length 6 is above the longest summary allowed, the model's limit of 5 tokens");
  // another vocabulary than the one trained with
  Vocabulary::build({{"other", "words"}}).save(model_files::target_vocab(d));
  EXPECT_EQ(message_of<TextModelError>([&] { TextModel::load(d); }),
            model_files::model(d) + " was trained with another target vocabulary than " + model_files::target_vocab(d));
  // a truncated checkpoint
  write_model_dir(d, false);
  const std::string bytes = genattn_test::file_text(model_files::model(d));
  write_file_atomically(model_files::model(d), bytes.substr(0, bytes.size() / 2), "model");
  EXPECT_NE(message_of<TextModelError>([&] { TextModel::load(d); }).find(model_files::model(d)), std::string::npos);
}

// quantize_model writes another directory whose model loads at its
// precision by default, decodes at it, and is smaller; the float model is
// kept, and quantizing into its own directory is refused.
TEST(TextModel, AQuantizedDirectoryLoadsAtItsPrecision) {
  using genattn_test::message_of;
  TempDir dir("text-model-quantize");
  const std::string d = dir.file("float"), q8 = dir.file("int8"), q16 = dir.file("bf16");
  write_model_dir(d, true);
  const std::string float_bytes = genattn_test::file_text(model_files::model(d));
  const auto sizes = quantize_model(d, q8, Precision::int8);
  EXPECT_EQ(sizes.before, float_bytes.size());
  EXPECT_LT(sizes.after, sizes.before / 2);  // biases and vectors stay float: a tiny model is not a quarter
  EXPECT_LT(quantize_model(d, q16, Precision::bf16).after, sizes.before * 6 / 10);
  EXPECT_EQ(genattn_test::file_text(model_files::model(d)), float_bytes);
  const TextModel f = TextModel::load(d), i8 = TextModel::load(q8), b16 = TextModel::load(q16);
  EXPECT_EQ(f.precision, Precision::float32);
  EXPECT_EQ(i8.precision, Precision::int8);
  EXPECT_EQ(b16.precision, Precision::bf16);
  EXPECT_EQ(i8.pack().precision, Precision::int8);
  EXPECT_EQ(i8.pack(Precision::float32).precision, Precision::float32);
  // the weights moved by rounding only; the quantized ones are held at
  // their precision (no float copy), in about a quarter and a half of the bytes
  for (const TextModel* q : {&i8, &b16}) {
    ASSERT_TRUE(q->params.holds_encoded());
    float worst = 0.f;
    for (const auto& slot : f.model.layout().slots()) {
      const Mat<float> w = q->params.widened(slot.param);
      worst = std::max(worst, (w - f.params[slot.param]).cwiseAbs().maxCoeff());
    }
    EXPECT_GT(worst, 0.f);
    EXPECT_LT(worst, 0.02f * f.params.flat().cwiseAbs().maxCoeff());
  }
  EXPECT_FALSE(f.params.holds_encoded());
  EXPECT_LT(i8.params.bytes(), f.params.bytes() * 4 / 10);  // biases and vectors stay float
  EXPECT_LT(b16.params.bytes(), f.params.bytes() * 6 / 10);
  // decoding at the model's precision is decoding at it explicitly
  SearchConfig search;
  DecodeOptions options;
  options.search = search;
  const auto by_default = i8.summarize(kDocuments, options);
  options.precision = Precision::int8;
  const auto explicit_int8 = i8.summarize(kDocuments, options);
  for (std::size_t k = 0; k < kDocuments.size(); ++k) {
    EXPECT_EQ(by_default[k].texts, explicit_int8[k].texts);
    EXPECT_EQ(by_default[k].hypotheses.front().score, explicit_int8[k].hypotheses.front().score);
  }
  EXPECT_NE(message_of<TextModelError>([&] { quantize_model(d, d, Precision::int8); }).find("is the model directory itself"),
            std::string::npos);
  EXPECT_EQ(genattn_test::file_text(model_files::model(d)), float_bytes);
  EXPECT_NE(message_of<TextModelError>([&] { quantize_model(dir.file("none"), q8, Precision::int8); })
                .find("is not a model directory"),
            std::string::npos);
}

// UnknownPolicy::automatic is the model's: ban for a copy model (it copies
// the word instead), replace otherwise; summarize() with it gives what the
// resolved policy gives. Any other policy passes through.
TEST(TextModel, AutomaticUnknownPolicyFollowsTheModel) {
  for (const bool copy : {false, true}) {
    TempDir dir("text-model");
    write_model_dir(dir.path.string(), copy);
    const TextModel m = TextModel::load(dir.path.string());
    SearchConfig search;
    search.beam = 2;
    search.unknown = UnknownPolicy::automatic;
    const UnknownPolicy resolved = copy ? UnknownPolicy::ban : UnknownPolicy::replace;
    EXPECT_EQ(m.search_for(search).unknown, resolved) << copy;
    SearchConfig explicit_search = search;
    explicit_search.unknown = resolved;
    const auto automatic = m.summarize(kDocuments, search), by_name = m.summarize(kDocuments, explicit_search);
    ASSERT_EQ(automatic.size(), by_name.size());
    for (std::size_t i = 0; i < automatic.size(); ++i) EXPECT_EQ(automatic[i].texts, by_name[i].texts) << copy << i;
    for (const UnknownPolicy u : {UnknownPolicy::allow, UnknownPolicy::ban, UnknownPolicy::replace}) {
      search.unknown = u;
      EXPECT_EQ(m.search_for(search).unknown, u) << copy;
    }
  }
}

// TextSettings::titled (summarize train --package-name) is saved with the
// model when set, and only then: an untitled model's words, and so its
// file, are as before the setting existed, and such a file loads untitled.
TEST(TextModel, TheTitledSettingIsSavedWhenSetAndReadAsUnsetWhenAbsent) {
  TextSettings text;
  const auto plain = text_model_words(text, 1, 2);
  EXPECT_EQ(plain.size(), 5u);
  for (const auto& [name, word] : plain) EXPECT_NE(name, "text.titled");
  text.titled = true;
  const auto titled = text_model_words(text, 1, 2);
  ASSERT_EQ(titled.size(), 6u);
  EXPECT_EQ(titled.back(), (std::pair<std::string, std::uint64_t>{"text.titled", 1}));

  TempDir dir("text-model-titled");
  const std::string d = dir.path.string();
  write_model_dir(d, false);
  const TextModel m = TextModel::load(d);
  EXPECT_FALSE(m.text.titled);
  TextSettings settings = m.text;
  settings.titled = true;
  save_model(model_files::model(d), m.model, m.params,
             text_model_words(settings, file_hash(model_files::source_vocab(d)),
                              file_hash(model_files::target_vocab(d))));
  const TextModel t = TextModel::load(d);
  EXPECT_TRUE(t.text.titled);
  EXPECT_EQ(t.text.max_source, m.text.max_source);
  EXPECT_EQ(t.text.max_target, m.text.max_target);
}
