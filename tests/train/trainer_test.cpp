#include <gtest/gtest.h>

#include <genattn/train/trainer.hpp>

#include <filesystem>

#include "support/gradcheck.hpp"

using namespace genattn;

namespace {

Seq2SeqConfig trainer_config() {
  Seq2SeqConfig c;
  c.src_vocab = 12;
  c.tgt_vocab = 12;
  c.embedding = 4;
  c.encoder_hidden = 4;
  c.decoder_hidden = 5;
  c.dropout = 0.2;
  return c;
}

std::vector<Seq2SeqBatch> batches() {
  Rng rng(17);
  std::vector<Seq2SeqBatch> out;
  for (int k = 0; k < 8; ++k) {
    std::vector<TokenIds> src, tgt;
    for (int b = 0; b < 4; ++b) {
      TokenIds s;
      for (std::uint64_t j = 0, n = 2 + rng.below(4); j < n; ++j) s.push_back(static_cast<TokenId>(4 + rng.below(8)));
      src.push_back(s);
      tgt.push_back(s);
    }
    out.push_back(make_batch(src, tgt));
  }
  return out;
}

TrainerConfig adam() {
  TrainerConfig c;
  c.optimizer.kind = OptimizerKind::adam;
  c.schedule.base = 0.01;
  c.seed = 3;
  return c;
}

}  // namespace

// Resume: 4 updates, save, a fresh trainer (other initial weights) resumes and
// does 4 more: identical losses and parameters, bit for bit, to 8 straight.
TEST(Trainer, ResumingContinuesExactlyAsTheUninterruptedRun) {
  const auto data = batches();
  Seq2Seq<float> model(trainer_config());
  ParamBuffer<float> straight = model.init_params(1);
  Trainer<float> a(model, straight, adam());
  std::vector<double> losses_a;
  for (const auto& b : data) losses_a.push_back(a.train_batch(b).loss.loss);

  const std::string path = (std::filesystem::temp_directory_path() / "genattn-resume.ckpt").string();
  ParamBuffer<float> first = model.init_params(1);
  Trainer<float> b1(model, first, adam());
  std::vector<double> losses_b;
  for (std::size_t i = 0; i < 4; ++i) losses_b.push_back(b1.train_batch(data[i]).loss.loss);
  b1.save(path, {{"cursor", 4}});

  ParamBuffer<float> resumed = model.init_params(99);
  Trainer<float> b2(model, resumed, adam());
  const Checkpoint c = b2.resume(path);
  EXPECT_EQ(c.state_word("cursor"), 4u);
  EXPECT_EQ(b2.updates(), 4);
  for (std::size_t i = 4; i < data.size(); ++i) losses_b.push_back(b2.train_batch(data[i]).loss.loss);
  std::filesystem::remove(path);
  EXPECT_EQ(losses_a, losses_b);
  EXPECT_EQ(straight.flat(), resumed.flat());
}

TEST(Trainer, AccumulatingTheSameBatchTwiceEqualsOneBatch) {
  const auto data = batches();
  Seq2SeqConfig cfg = trainer_config();
  cfg.dropout = 0.0;
  Seq2Seq<double> model(cfg);
  ParamBuffer<double> one = model.init_params(2), two = model.init_params(2);
  TrainerConfig c1 = adam(), c2 = adam();
  c2.accumulate = 2;
  Trainer<double> t1(model, one, c1), t2(model, two, c2);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(t1.train_batch(data[static_cast<std::size_t>(i)]).updated);
    EXPECT_FALSE(t2.train_batch(data[static_cast<std::size_t>(i)]).updated);
    EXPECT_TRUE(t2.train_batch(data[static_cast<std::size_t>(i)]).updated);
  }
  // (g + g) / 2 is summed in another order than g, so equal to rounding only.
  EXPECT_LE((one.flat() - two.flat()).cwiseAbs().maxCoeff(), 1e-10 * one.flat().cwiseAbs().maxCoeff());
  EXPECT_GT((one.flat() - model.init_params(2).flat()).norm(), 0.0);
  EXPECT_EQ(t2.updates(), 3);
}

TEST(Trainer, NonFiniteLossSkipsTheUpdateAndNamesTheParameter) {
  const auto data = batches();
  Seq2Seq<float> model(trainer_config());
  ParamBuffer<float> p = model.init_params(1);
  const Param out_b = model.layout().find("decoder.out.b")->param;
  p[out_b](0, 0) = std::numeric_limits<float>::quiet_NaN();
  const Vec<float> before = p.flat();
  Trainer<float> t(model, p, adam());
  const TrainStep s = t.train_batch(data[0]);
  EXPECT_TRUE(s.skipped);
  EXPECT_FALSE(s.updated);
  EXPECT_EQ(s.message, "update 1: loss is NaN (parameter 'decoder.out.b' holds a NaN or Inf); update skipped");
  EXPECT_TRUE(p.flat().cwiseEqual(before).count() + 1 == p.size());  // only the NaN differs from itself
  EXPECT_EQ(t.skipped(), 1);
  p[out_b](0, 0) = 0.0f;
  const TrainStep ok = t.train_batch(data[1]);
  EXPECT_TRUE(ok.updated);
  EXPECT_TRUE(p.flat().allFinite());
}

// Two shards on two threads compute the same loss and update as one thread:
// J = sum_k (N_k/N) J_k is the same mean, summed in another order.
TEST(Trainer, ShardedAcrossThreadsEqualsOneThread) {
  const auto data = batches();
  Seq2SeqConfig cfg = trainer_config();
  cfg.dropout = 0.0;
  Seq2Seq<double> model(cfg);
  // accumulate 2: the first batch of each update writes shard 0 straight into
  // the trainer's buffer, the second adds to it; the norm comes from the sum
  for (const int accumulate : {1, 2}) {
    SCOPED_TRACE(accumulate);
    ParamBuffer<double> one = model.init_params(4), two = model.init_params(4), three = model.init_params(4);
    TrainerConfig c1 = adam(), c2 = adam(), c3 = adam();
    c1.accumulate = c2.accumulate = c3.accumulate = accumulate;
    c2.threads = 2;
    c3.threads = 3;
    Trainer<double> t1(model, one, c1), t2(model, two, c2), t3(model, three, c3);
    for (const auto& b : data) {
      const TrainStep s1 = t1.train_batch(b), s2 = t2.train_batch(b), s3 = t3.train_batch(b);
      EXPECT_NEAR(s1.loss.loss, s2.loss.loss, 1e-12 * std::abs(s1.loss.loss));
      EXPECT_NEAR(s1.loss.loss, s3.loss.loss, 1e-12 * std::abs(s1.loss.loss));
      EXPECT_EQ(s1.loss.tokens, s2.loss.tokens);
      EXPECT_EQ(s1.loss.correct, s3.loss.correct);
      EXPECT_EQ(s1.updated, s2.updated);
      EXPECT_NEAR(s1.grad_norm, s2.grad_norm, 1e-12 * s1.grad_norm);
      EXPECT_NEAR(s1.grad_norm, s3.grad_norm, 1e-12 * s1.grad_norm);
    }
    const double scale = one.flat().cwiseAbs().maxCoeff();
    EXPECT_LE((one.flat() - two.flat()).cwiseAbs().maxCoeff(), 1e-10 * scale);
    EXPECT_LE((one.flat() - three.flat()).cwiseAbs().maxCoeff(), 1e-10 * scale);
    EXPECT_GT((one.flat() - model.init_params(4).flat()).norm(), 0.0);
  }
}

// release_workspaces() frees the caches, workspaces and shard buffers that
// training and evaluate() keep; training after it is the same bit for bit,
// also within a pending update (accumulate 2: released between its batches).
TEST(Trainer, ReleasingWorkspacesChangesNothing) {
  const auto data = batches();
  Seq2Seq<float> model(trainer_config());
  for (const int threads : {1, 2}) {
    for (const int accumulate : {1, 2}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", accumulate " + std::to_string(accumulate));
      ParamBuffer<float> kept = model.init_params(6), released = model.init_params(6);
      TrainerConfig c = adam();
      c.threads = threads;
      c.accumulate = accumulate;
      Trainer<float> a(model, kept, c), b(model, released, c);
      for (std::size_t i = 0; i < data.size(); ++i) {
        const TrainStep sa = a.train_batch(data[i]);
        b.release_workspaces();
        const TrainStep sb = b.train_batch(data[i]);
        EXPECT_EQ(sa.loss.loss, sb.loss.loss);
        EXPECT_EQ(sa.grad_norm, sb.grad_norm);
        EXPECT_EQ(sa.updated, sb.updated);
        if (i % 3 == 0) {
          EXPECT_EQ(a.evaluate(data[7 - i]).loss, b.evaluate(data[7 - i]).loss);
          b.release_workspaces();
        }
      }
      EXPECT_EQ(a.updates(), static_cast<std::int64_t>(data.size()) / accumulate);
      EXPECT_EQ(kept.flat(), released.flat());
      EXPECT_GT((kept.flat() - model.init_params(6).flat()).norm(), 0.0f);
    }
  }
}

// With dropout the shards draw their masks from streams seeded by the
// trainer's own, so two sharded runs agree bit for bit.
TEST(Trainer, ShardedDropoutIsReproducible) {
  const auto data = batches();
  Seq2Seq<float> model(trainer_config());
  ParamBuffer<float> a = model.init_params(5), b = model.init_params(5);
  TrainerConfig c = adam();
  c.threads = 2;
  Trainer<float> ta(model, a, c), tb(model, b, c);
  for (const auto& batch : data) EXPECT_EQ(ta.train_batch(batch).loss.loss, tb.train_batch(batch).loss.loss);
  EXPECT_EQ(a.flat(), b.flat());
}
