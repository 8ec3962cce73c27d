// examples/tagger: the smallest end-to-end use of genattn's layers.
//
// A BiLSTM tagger learns, for each token of a random sequence, whether the
// same token occurs anywhere else in the sequence: a task that needs both
// directions. Embedding -> BiLstm -> Linear -> softmax cross-entropy, trained
// with plain SGD on the flat parameter buffer. Prints held-out accuracy and
// exits non-zero unless the tagger clearly beat chance.
#include <genattn/genattn.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace genattn;
using T = float;

namespace {

constexpr Index kVocab = 12, kBatch = 32, kMaxLen = 10;

struct Batch {
  TokenIds ids;     // position-ordered, column t*B + b; 0 is padding
  Lengths lengths;  // each in 4..kMaxLen
  std::vector<int> tags;  // 1 when the token repeats in its sequence
};

Batch make_batch(Rng& rng) {
  Batch batch;
  batch.ids.assign(kMaxLen * kBatch, 0);
  batch.tags.assign(kMaxLen * kBatch, 0);
  for (Index b = 0; b < kBatch; ++b) {
    const auto len = static_cast<Index>(4 + rng.below(kMaxLen - 3));
    batch.lengths.push_back(len);
    for (Index t = 0; t < len; ++t)
      batch.ids[static_cast<std::size_t>(t * kBatch + b)] = static_cast<TokenId>(1 + rng.below(kVocab - 1));
    for (Index t = 0; t < len; ++t)
      for (Index u = 0; u < len; ++u)
        if (u != t && batch.ids[static_cast<std::size_t>(t * kBatch + b)] == batch.ids[static_cast<std::size_t>(u * kBatch + b)])
          batch.tags[static_cast<std::size_t>(t * kBatch + b)] = 1;
  }
  return batch;
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 2000;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--steps") == 0) steps = std::atoi(argv[i + 1]);

  ParamLayout layout;
  Embedding<T> embed(layout, "embed", kVocab, 16, /*padding_id=*/0);
  BiLstm<T> encoder(layout, "encoder", 16, 32);
  Linear<T> classify(layout, "classify", encoder.output_size(), 2);
  ParamBuffer<T> params(layout), grads(layout);
  Rng rng(7);
  init_params(layout, params, rng);

  Mat<T> x(16, kMaxLen * kBatch), logits(2, kMaxLen * kBatch), dlogits(2, kMaxLen * kBatch), dh, dx, none;
  Lstm<T>::Cache cache;
  // Forward; returns mean cross-entropy over real tokens and counts correct tags.
  auto run = [&](const Batch& batch, int& correct, int& total) {
    embed.forward(params, batch.ids, x);
    encoder.forward(params, x, batch.lengths, cache);
    classify.forward(params, Lstm<T>::output(cache), logits);
    double loss = 0;
    correct = total = 0;
    dlogits.setZero();
    for (Index c = 0; c < logits.cols(); ++c) {
      if (c / kBatch >= batch.lengths[static_cast<std::size_t>(c % kBatch)]) continue;
      // softmax cross-entropy: dL/dlogits = softmax - onehot(tag)
      const Vec<T> e = (logits.col(c).array() - logits.col(c).maxCoeff()).exp();
      const Vec<T> prob = e / e.sum();
      const int tag = batch.tags[static_cast<std::size_t>(c)];
      loss -= std::log(static_cast<double>(prob[tag]));
      dlogits.col(c) = prob;
      dlogits(tag, c) -= 1;
      correct += (prob[1] > prob[0]) == (tag == 1);
      ++total;
    }
    dlogits /= static_cast<T>(total);
    return loss / total;
  };

  int correct = 0, total = 0;
  for (int step = 1; step <= steps; ++step) {
    const Batch batch = make_batch(rng);
    const double loss = run(batch, correct, total);
    grads.set_zero();
    dh.setZero(encoder.output_size(), x.cols());
    dx.setZero(16, x.cols());
    classify.backward(params, grads, Lstm<T>::output(cache), dlogits, dh);
    encoder.backward(params, grads, x, cache, dh, nullptr, dx);
    embed.backward(grads, batch.ids, dx);
    params.flat() -= T(0.5) * grads.flat();
    if (step % 100 == 0) std::printf("step %4d  loss %.4f\n", step, loss);
  }
  Rng held_out(12345);
  int all_correct = 0, all_total = 0;
  for (int i = 0; i < 10; ++i) {
    run(make_batch(held_out), correct, total);
    all_correct += correct;
    all_total += total;
  }
  const double accuracy = static_cast<double>(all_correct) / all_total;
  std::printf("held-out tag accuracy: %.3f over %d tokens\n", accuracy, all_total);
  return accuracy > 0.8 ? 0 : 1;
}
