// The trainer over MPI ranks (genattn/distributed/mpi.hpp). CTest runs this
// binary under `mpirun -np 2`; every rank runs every test, and each test
// also trains the single-process reference itself, so the two ranks and the
// reference meet in one place.
#include <gtest/gtest.h>

#include <genattn/distributed/mpi.hpp>
#include <genattn/train/trainer.hpp>

#include <string>
#include <vector>

using namespace genattn;

namespace {

MpiCommunicator* world = nullptr;
constexpr double kClip = 0.05;  // small enough that updates are clipped: the norm must be the same everywhere

Seq2SeqConfig small_config() {
  Seq2SeqConfig c;
  c.src_vocab = 14;
  c.tgt_vocab = 14;
  c.embedding = 6;
  c.encoder_hidden = 5;
  c.decoder_hidden = 7;
  c.dropout = 0.25;  // each shard's mask stream must be the one its thread would have drawn
  return c;
}

/// `count` batches of `items` random pairs (the same on every rank).
std::vector<Seq2SeqBatch> batches(int count, int items, TokenId bad_id_at_last_item = 0) {
  Rng rng(29);
  std::vector<Seq2SeqBatch> out;
  for (int k = 0; k < count; ++k) {
    std::vector<TokenIds> src, tgt;
    for (int b = 0; b < items; ++b) {
      TokenIds s, t;
      for (std::uint64_t j = 0, n = 2 + rng.below(6); j < n; ++j) s.push_back(static_cast<TokenId>(4 + rng.below(10)));
      for (std::uint64_t j = 0, n = 1 + rng.below(4); j < n; ++j) t.push_back(static_cast<TokenId>(4 + rng.below(10)));
      src.push_back(s);
      tgt.push_back(t);
    }
    out.push_back(make_batch(src, tgt));
  }
  if (bad_id_at_last_item != 0) {
    Seq2SeqBatch& b = out.back();
    b.tgt_out[static_cast<std::size_t>(b.batch - 1)] = bad_id_at_last_item;  // the last item's first target word
  }
  return out;
}

TrainerConfig trainer_config(int threads, int accumulate, Communicator* comm) {
  TrainerConfig c;
  c.optimizer.kind = OptimizerKind::adam;
  c.schedule.base = 0.02;
  c.clip_norm = kClip;
  c.seed = 5;
  c.threads = threads;
  c.accumulate = accumulate;
  c.communicator = comm;
  return c;
}

/// Rank 0's parameters, on every rank.
template <class T>
Vec<T> rank0_values(const ParamBuffer<T>& p) {
  Vec<T> out = p.flat();
  broadcast_values(*world, out.data(), static_cast<std::size_t>(out.size()), 0);
  return out;
}

}  // namespace

TEST(MpiTrainer, RunsOnTwoRanks) { ASSERT_EQ(world->size(), 2) << "run it with mpirun -np 2"; }

// Two ranks of one thread each against one process of two threads, with
// dropout and clipping: the same losses and parameters, bit for bit, after
// every update. The shards are cut alike and draw the same masks, and the sum
// of two ranks' gradients is w0 g0 + w1 g1 either way (IEEE addition of two
// numbers does not depend on their order).
TEST(MpiTrainer, TwoRanksOfOneThreadTrainBitForBitAsOneProcessOfTwoThreads) {
  const Seq2Seq<float> model(small_config());
  ParamBuffer<float> ranked = model.init_params(7), alone = model.init_params(7);
  Trainer<float> over_ranks(model, ranked, trainer_config(1, 1, world));
  Trainer<float> threaded(model, alone, trainer_config(2, 1, nullptr));
  EXPECT_EQ(over_ranks.ranks(), 2);
  int clipped = 0;
  for (const auto& b : batches(6, 6)) {
    const TrainStep r = over_ranks.train_batch(b), t = threaded.train_batch(b);
    ASSERT_TRUE(r.updated && t.updated);
    EXPECT_EQ(r.loss.loss, t.loss.loss);
    EXPECT_EQ(r.loss.tokens, t.loss.tokens);
    EXPECT_EQ(r.loss.correct, t.loss.correct);
    EXPECT_EQ(r.grad_norm, t.grad_norm);
    if (r.grad_norm > kClip) ++clipped;
    ASSERT_TRUE(ranked.flat() == alone.flat()) << "after update " << r.update;
  }
  EXPECT_GT(clipped, 0) << "no update was clipped: the test does not reach the clipping";
  EXPECT_TRUE(rank0_values(ranked) == ranked.flat()) << "the ranks disagree";
}

/// Trains `data` on the ranks (`threads` each) and in one process of
/// ranks x threads threads, in double: the same updates, and losses, norms
/// and parameters equal within rounding; the ranks agree bit for bit.
void expect_ranks_agree_with_one_process(int threads, int accumulate, const std::vector<Seq2SeqBatch>& data,
                                         int expected_updates) {
  const Seq2Seq<double> model(small_config());
  ParamBuffer<double> ranked = model.init_params(8), alone = model.init_params(8);
  Trainer<double> over_ranks(model, ranked, trainer_config(threads, accumulate, world));
  Trainer<double> threaded(model, alone, trainer_config(threads * world->size(), accumulate, nullptr));
  int updates = 0;
  for (const auto& b : data) {
    const TrainStep r = over_ranks.train_batch(b), t = threaded.train_batch(b);
    EXPECT_EQ(r.updated, t.updated);
    EXPECT_NEAR(r.loss.loss, t.loss.loss, 1e-12 * std::abs(t.loss.loss));
    if (r.updated) {
      ++updates;
      EXPECT_NEAR(r.grad_norm, t.grad_norm, 1e-10 * t.grad_norm);
    }
  }
  EXPECT_EQ(updates, expected_updates);
  const double scale = alone.flat().cwiseAbs().maxCoeff();
  EXPECT_LE((ranked.flat() - alone.flat()).cwiseAbs().maxCoeff(), 1e-10 * scale);
  EXPECT_GT((ranked.flat() - model.init_params(8).flat()).cwiseAbs().maxCoeff(), 1e-3) << "nothing trained";
  EXPECT_TRUE(rank0_values(ranked) == ranked.flat()) << "the ranks disagree";
}

// Accumulating two batches an update: each rank sums its own shards of both
// batches, then the ranks sum once, so the additions group differently from
// one process's ((A0 + A1) + B0) + B1: equal within rounding.
TEST(MpiTrainer, AccumulatingAgreesWithOneProcessWithinRounding) {
  expect_ranks_agree_with_one_process(1, 2, batches(8, 5), 4);
}

// Two threads on each rank: four shards, as one process of four threads.
TEST(MpiTrainer, TwoRanksOfTwoThreadsAgreeWithOneProcessOfFourThreads) {
  expect_ranks_agree_with_one_process(2, 1, batches(4, 9), 4);
}

// A batch of one item: rank 1 has no shard of it, and still takes the step.
TEST(MpiTrainer, ABatchSmallerThanTheRanksLeavesOneIdleAndTheRanksAgree) {
  const Seq2Seq<float> model(small_config());
  ParamBuffer<float> p = model.init_params(10);
  Trainer<float> over_ranks(model, p, trainer_config(1, 1, world));
  for (const auto& b : batches(3, 1)) EXPECT_TRUE(over_ranks.train_batch(b).updated);
  EXPECT_GT((p.flat() - model.init_params(10).flat()).cwiseAbs().maxCoeff(), 0.0f);
  EXPECT_TRUE(rank0_values(p) == p.flat()) << "the ranks disagree";
}

// A shard that throws (a target id past the vocabulary, in the batch's last
// item, which is rank 1's): rank 1 throws its own error, rank 0 learns it
// and throws too, and neither waits for the other for ever.
TEST(MpiTrainer, AShardsErrorOnOneRankIsThrownOnEveryRank) {
  const Seq2Seq<float> model(small_config());
  ParamBuffer<float> p = model.init_params(11);
  Trainer<float> over_ranks(model, p, trainer_config(1, 1, world));
  const auto data = batches(2, 4, 99);
  EXPECT_TRUE(over_ranks.train_batch(data[0]).updated);
  try {
    over_ranks.train_batch(data[1]);
    ADD_FAILURE() << "no error on rank " << world->rank();
  } catch (const std::exception& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("99"), std::string::npos) << what;
    if (world->rank() == 0) {
      EXPECT_EQ(what.rfind("rank 1 of 2 failed: ", 0), 0u) << what;
    }
  }
  // the ranks are still in step: another update works everywhere
  EXPECT_TRUE(over_ranks.train_batch(data[0]).updated);
  EXPECT_TRUE(rank0_values(p) == p.flat()) << "the ranks disagree";
}

TEST(MpiTrainer, RanksThatDifferAreNamedInOneLine) {
  EXPECT_NO_THROW(check_same_on_ranks(*world, "data hash", 42));
  try {
    check_same_on_ranks(*world, "data hash", world->rank() == 0 ? 42 : 43);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "the ranks differ: rank 1's data hash is 43, rank 0's is 42");
  }
  EXPECT_TRUE(any_rank(*world, world->rank() == 1));
  EXPECT_FALSE(any_rank(*world, false));
}

int main(int argc, char** argv) {
  MpiSession session(&argc, &argv);
  int rc = 0;
  {
    MpiCommunicator comm;
    world = &comm;
    ::testing::InitGoogleTest(&argc, argv);
    rc = RUN_ALL_TESTS();
    world = nullptr;
  }
  return rc;
}
