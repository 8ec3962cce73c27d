// One const model decodes from many threads at once, each thread with its own
// decoder (memory and workspace): every thread gets exactly the output of a
// single-threaded run. CI also builds this test with ThreadSanitizer
// (GENATTN_SANITIZE=thread), which must report nothing.
#include <gtest/gtest.h>

#include <genattn/core/init.hpp>
#include <genattn/decode/search.hpp>
#include <genattn/seq2seq/seq2seq.hpp>

#include <thread>

using namespace genattn;

namespace {

struct Output {
  std::vector<TokenIds> greedy, beam;
  std::vector<double> scores;
  bool operator==(const Output& o) const { return greedy == o.greedy && beam == o.beam && scores == o.scores; }
};

Output decode(const Seq2Seq<float>& model, const ParamBuffer<float>& p, const Seq2SeqBatch& batch) {
  Output out;
  SearchConfig greedy;
  greedy.max_length = 12;
  Seq2SeqDecoder<float> d1(model, p, batch.src, batch.src_lengths);
  for (const auto& h : greedy_search(d1, greedy)) out.greedy.push_back(h.tokens);
  SearchConfig beam = greedy;
  beam.beam = 4;
  beam.n_best = 2;
  beam.length_penalty = LengthPenalty::gnmt;
  Seq2SeqDecoder<float> d2(model, p, batch.src, batch.src_lengths);
  for (const auto& hs : beam_search(d2, beam))
    for (const auto& h : hs) {
      out.beam.push_back(h.tokens);
      out.scores.push_back(h.score);
    }
  return out;
}

}  // namespace

TEST(ConcurrentDecode, EveryThreadGetsTheSingleThreadedOutput) {
  Seq2SeqConfig c;
  c.src_vocab = 40;
  c.tgt_vocab = 30;
  c.embedding = 8;
  c.encoder_hidden = 8;
  c.decoder_hidden = 12;
  c.decoder_layers = 2;
  const Seq2Seq<float> model(c);
  const ParamBuffer<float> p = model.init_params(3);
  Rng rng(5);
  std::vector<Seq2SeqBatch> batches;
  for (int b = 0; b < 4; ++b) {
    std::vector<TokenIds> src;
    for (int i = 0; i < 5; ++i) {
      TokenIds s;
      for (std::uint64_t j = 0, n = 1 + rng.below(9); j < n; ++j) s.push_back(static_cast<TokenId>(4 + rng.below(36)));
      src.push_back(s);
    }
    batches.push_back(make_batch(src, std::vector<TokenIds>(src.size())));
  }
  std::vector<Output> single;
  for (const auto& b : batches) single.push_back(decode(model, p, b));

  constexpr int threads = 8;
  std::vector<std::vector<Output>> got(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      // each thread walks the batches from another starting point
      for (std::size_t k = 0; k < batches.size(); ++k) {
        const std::size_t b = (k + static_cast<std::size_t>(t)) % batches.size();
        got[static_cast<std::size_t>(t)].push_back(decode(model, p, batches[b]));
      }
    });
  for (auto& th : pool) th.join();
  for (int t = 0; t < threads; ++t)
    for (std::size_t k = 0; k < batches.size(); ++k) {
      const std::size_t b = (k + static_cast<std::size_t>(t)) % batches.size();
      EXPECT_TRUE(got[static_cast<std::size_t>(t)][k] == single[b]) << "thread " << t << ", batch " << b;
    }
  EXPECT_FALSE(single[0].greedy.empty());
}
