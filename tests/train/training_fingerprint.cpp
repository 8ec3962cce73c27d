// training_fingerprint: prints FNV-1a hashes of a short training run and of
// decoding with its result, to compare processors (README, Reproducibility).
// Not a test: two machines that print the same lines train and decode the
// same bits; a difference means a processor-dependent path not yet found.
//
// The model is large enough that its products are cut by Eigen's blocking
// (the output layer's weight gradient sums 960 tokens: one L1 block of a
// 48 KiB processor, two of a 32 KiB one) and uses what training uses:
// additive attention with coverage, dropout, Adam with clipping, the
// normal initialization of embeddings, two shards on two threads; decoding
// runs greedy and beam search on two threads.
//
//   training_fingerprint [updates]      (default 4)
#include <genattn/genattn.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace genattn;

namespace {

unsigned long long hash_params(const ParamBuffer<float>& p) {
  return fnv1a64(p.flat().data(), static_cast<std::size_t>(p.size()) * sizeof(float));
}

// Appends an object's bytes to a buffer that is hashed whole.
template <class X>
void append(std::string& bytes, const X* data, std::size_t n) {
  bytes.append(reinterpret_cast<const char*>(data), n * sizeof(X));
}

TokenIds random_ids(Rng& rng, Index length, TokenId vocab) {
  TokenIds s(static_cast<std::size_t>(length));
  for (auto& w : s) w = 4 + static_cast<TokenId>(rng.below(static_cast<std::uint64_t>(vocab - 4)));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const int updates = argc > 1 ? std::atoi(argv[1]) : 4;
  if (updates < 1) {
    std::fprintf(stderr, "training_fingerprint: updates must be 1 or more\n");
    return 2;
  }
  Seq2SeqConfig config;
  config.src_vocab = 3000;
  config.tgt_vocab = 2000;
  config.embedding = 64;
  config.encoder_hidden = 64;
  config.decoder_hidden = 128;
  config.coverage = true;
  config.dropout = 0.1;
  Seq2Seq<float> model(config);
  ParamBuffer<float> params = model.init_params(7);
  std::printf("init     %016llx\n", hash_params(params));

  TrainerConfig training;
  training.optimizer.kind = OptimizerKind::adam;
  training.schedule.base = 1e-3;
  training.clip_norm = 1.0;
  training.threads = 2;
  Trainer<float> trainer(model, params, training);
  Rng data(3);
  for (int u = 1; u <= updates; ++u) {
    std::vector<TokenIds> src, tgt;
    for (int b = 0; b < 40; ++b) {  // 40 items x 24 target steps = 960 tokens
      src.push_back(random_ids(data, 10 + static_cast<Index>(data.below(21)), 3000));
      tgt.push_back(random_ids(data, 23, 2000));
    }
    const TrainStep s = trainer.train_batch(make_batch(src, tgt));
    const double loss = s.loss.loss;
    std::printf("update %d loss %016llx params %016llx\n", u,
                static_cast<unsigned long long>(fnv1a64(&loss, sizeof loss)), hash_params(params));
  }

  std::vector<TokenIds> src;
  Rng held_out(5);
  for (int b = 0; b < 8; ++b) src.push_back(random_ids(held_out, 12 + 2 * b, 3000));
  const Seq2SeqBatch batch = make_batch(src, src);
  Seq2SeqDecoder<float> dec(model, params, batch.src, batch.src_lengths, {}, nullptr, /*threads=*/2);
  SearchConfig search;
  search.max_length = 12;
  std::string bytes;
  for (const auto& hyp : greedy_search(dec, search)) {
    append(bytes, hyp.tokens.data(), hyp.tokens.size());
    append(bytes, &hyp.log_prob, 1);
  }
  std::printf("greedy   %016llx\n", static_cast<unsigned long long>(fnv1a64(bytes)));
  search.beam = 4;
  bytes.clear();
  for (const auto& nbest : beam_search(dec, search))
    for (const auto& hyp : nbest) {
      append(bytes, hyp.tokens.data(), hyp.tokens.size());
      append(bytes, &hyp.score, 1);
    }
  std::printf("beam     %016llx\n", static_cast<unsigned long long>(fnv1a64(bytes)));
  return 0;
}
