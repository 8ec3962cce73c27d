#include <gtest/gtest.h>

#include <genattn/train/trainer.hpp>

#include "../support/errors.hpp"
#include "../support/temp_dir.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace genattn;
namespace fs = std::filesystem;

namespace {

Seq2SeqConfig checkpoint_config() {
  Seq2SeqConfig c;
  c.src_vocab = 9;
  c.tgt_vocab = 8;
  c.embedding = 3;
  c.encoder_hidden = 2;
  c.decoder_hidden = 3;
  return c;
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A checkpoint's first bytes: magic, format version, scalar type, no config.
detail::ByteWriter header(std::uint32_t version, std::uint8_t scalar_bytes) {
  detail::ByteWriter w;
  for (char ch : std::string("GENATTN\x1a", 8)) w.u8(static_cast<std::uint8_t>(ch));
  w.u32(version);
  w.u8(scalar_bytes);
  w.u32(0);  // no config
  return w;
}

template <class F>
std::string error_of(F&& f) {
  return genattn_test::message_of<CheckpointError>(f);
}

}  // namespace

TEST(Checkpoint, ModelRoundTripsBitForBitAndConvertsScalars) {
  genattn_test::TempDir dir("genattn-ckpt");
  Seq2Seq<float> model(checkpoint_config());
  const ParamBuffer<float> p = model.init_params(5);
  save_model(dir.file("m.ckpt"), model, p);
  const LoadedModel<float> same = load_model<float>(dir.file("m.ckpt"));
  EXPECT_EQ(same.params.flat(), p.flat());
  EXPECT_EQ(same.model.config().fields(), model.config().fields());
  const LoadedModel<double> wide = load_model<double>(dir.file("m.ckpt"));
  EXPECT_EQ(wide.params.flat(), p.flat().cast<double>());
  save_model(dir.file("d.ckpt"), wide.model, wide.params);
  const LoadedModel<float> back = load_model<float>(dir.file("d.ckpt"));
  EXPECT_EQ(back.params.flat(), p.flat());
  // no temporary files left behind
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) files += e.is_regular_file();
  EXPECT_EQ(files, 2);
}

// encode_checkpoint counts its bytes first, so the buffer is allocated once
// at the file's size rather than grown by doubling to up to twice it: for a
// model, a training state with Adam's two moments, and int8 and bf16 slots.
TEST(Checkpoint, EncodingAllocatesTheFileSizeOnce) {
  genattn_test::TempDir dir("genattn-ckpt");
  Seq2Seq<float> model(checkpoint_config());
  ParamBuffer<float> p = model.init_params(5);
  save_model(dir.file("m.ckpt"), model, p);
  TrainerConfig tc;
  tc.optimizer.kind = OptimizerKind::adam;
  Trainer<float> trainer(model, p, tc);
  trainer.train_batch(make_batch({{4, 5}, {6}}, {{3}, {4, 5}}));
  trainer.save(dir.file("t.ckpt"));
  for (const char* name : {"m.ckpt", "t.ckpt"}) {
    const std::vector<unsigned char> bytes = encode_checkpoint(load_checkpoint(dir.file(name)));
    EXPECT_EQ(bytes.capacity(), bytes.size()) << name;
    EXPECT_EQ(bytes, read_bytes(dir.file(name))) << name;
  }
  Checkpoint q = load_checkpoint(dir.file("m.ckpt"));
  encode_slot_as(q, 0, SlotEncoding::int8_cols);
  encode_slot_as(q, 1, SlotEncoding::bf16);
  const std::vector<unsigned char> bytes = encode_checkpoint(q);
  EXPECT_EQ(bytes.capacity(), bytes.size());
  EXPECT_EQ(decode_checkpoint(bytes, "q").values, q.values);
}

// A checkpoint of several of the saving writer's 1 MiB blocks (a 600 x 700
// slot and two moments, in float and in double) is written as
// encode_checkpoint encodes it, checksum included, and loads back.
TEST(Checkpoint, SavingInBlocksWritesTheEncodedBytes) {
  genattn_test::TempDir dir("genattn-ckpt");
  for (const int scalar_bytes : {4, 8}) {
    Checkpoint c;
    c.scalar_bytes = scalar_bytes;
    c.config = {{"size", 420000}};
    c.slots = {{"w", 600, 700}, {"b", 600, 1}};
    c.values.resize(420600);
    for (std::size_t i = 0; i < c.values.size(); ++i) c.values[i] = std::sin(static_cast<double>(i)) / 3;
    c.has_optimizer = true;
    c.moments = {c.values, std::vector<double>(c.values.size(), 0.25)};
    c.state = {{"step", 7}};
    save_checkpoint(dir.file("big.ckpt"), c);
    const auto bytes = read_bytes(dir.file("big.ckpt"));
    ASSERT_GT(bytes.size(), 3 * detail::ByteWriter::block);
    EXPECT_EQ(bytes, encode_checkpoint(c)) << scalar_bytes;
    const Checkpoint back = load_checkpoint(dir.file("big.ckpt"));
    std::vector<double> stored = c.values;  // as the file's scalar type holds them
    if (scalar_bytes == 4)
      for (double& v : stored) v = static_cast<double>(static_cast<float>(v));
    EXPECT_EQ(back.values, stored);
    ASSERT_EQ(back.moments.size(), 2u);
    EXPECT_EQ(back.moments[0], stored);
  }
}

// save_checkpoint from the buffers (a Trainer's save, save_model) writes the
// bytes of the values gathered into the checkpoint as doubles, for float and
// double, with an optimizer's moments and without.
template <class T>
void expect_buffers_save_the_gathered_bytes() {
  genattn_test::TempDir dir("genattn-ckpt");
  Seq2Seq<T> model(checkpoint_config());
  ParamBuffer<T> p = model.init_params(5);
  OptimizerConfig oc;
  oc.kind = OptimizerKind::adam;
  Optimizer<T> adam(model.layout(), oc);
  ParamBuffer<T> g(model.layout());
  g.flat().setLinSpaced(T(-1), T(1));
  adam.step(p, g, 0.01);
  for (const bool with_moments : {false, true}) {
    SCOPED_TRACE(with_moments ? "with moments" : "parameters only");
    Checkpoint held = model_checkpoint(model, p), table = model_table(model);
    std::vector<const ParamBuffer<T>*> moments;
    if (with_moments) {
      for (Checkpoint* c : {&held, &table}) {
        c->has_optimizer = true;
        c->optimizer_step = 1;
        c->state = {{"step", 1}};
      }
      for (const auto& m : adam.moments()) {
        held.moments.push_back(gather_slots(model.layout(), m));
        moments.push_back(&m);
      }
      ASSERT_EQ(moments.size(), 2u);
    }
    save_checkpoint(dir.file("held.ckpt"), held);
    save_checkpoint(dir.file("buffers.ckpt"), table, model.layout(), p, moments);
    const auto bytes = read_bytes(dir.file("buffers.ckpt"));
    EXPECT_EQ(bytes, read_bytes(dir.file("held.ckpt")));
    EXPECT_EQ(load_checkpoint(dir.file("buffers.ckpt")).values, held.values);
  }
}

TEST(Checkpoint, SavingFromTheBuffersWritesTheBytesOfTheGatheredValues) {
  expect_buffers_save_the_gathered_bytes<float>();
  expect_buffers_save_the_gathered_bytes<double>();
}

// Saving from buffers refuses a checkpoint that holds values of its own, a
// buffer of another size, a table that is not the layout's, and moments for
// a checkpoint without an optimizer, and writes nothing.
TEST(Checkpoint, SavingFromTheBuffersRefusesWhatDoesNotMatch) {
  genattn_test::TempDir dir("genattn-ckpt");
  Seq2Seq<float> model(checkpoint_config());
  const ParamBuffer<float> p = model.init_params(5);
  const std::string path = dir.file("m.ckpt");
  EXPECT_THROW(save_checkpoint(path, model_checkpoint(model, p), model.layout(), p), std::invalid_argument);
  ParamLayout other;
  other.add("x", 2, 2);
  const ParamBuffer<float> small(other);
  const std::string size_error = genattn_test::message_of<std::invalid_argument>(
      [&] { save_checkpoint(path, model_table(model), model.layout(), small); });
  EXPECT_NE(size_error.find("params holds " + std::to_string(small.size()) + " scalars, the layout needs " +
                            std::to_string(model.layout().size())),
            std::string::npos)
      << size_error;
  Checkpoint renamed = model_table(model);
  renamed.slots[0].name = "renamed";
  EXPECT_NE(error_of([&] { save_checkpoint(path, renamed, model.layout(), p); }).find("'renamed'"), std::string::npos);
  const std::vector<const ParamBuffer<float>*> moments{&p};
  EXPECT_THROW(save_checkpoint(path, model_table(model), model.layout(), p, moments), std::invalid_argument);
  EXPECT_FALSE(fs::exists(path));
}

// A caller's word whose name the loader would refuse (over 4096 bytes) fails
// the save, and the model saved before stays, as it was, loadable.
TEST(Checkpoint, ANameTooLongToLoadFailsTheSaveAndKeepsThePreviousFile) {
  genattn_test::TempDir dir("genattn-ckpt");
  Seq2Seq<float> model(checkpoint_config());
  const ParamBuffer<float> p = model.init_params(5);
  const std::string path = dir.file("m.ckpt");
  save_model(path, model, p, {{"epoch", 3}});
  const std::vector<unsigned char> before = read_bytes(path);
  const std::string error = genattn_test::message_of<CheckpointError>(
      [&] { save_model(path, model, p, {{std::string(Checkpoint::max_string + 1, 'w'), 1}}); });
  EXPECT_NE(error.find("cannot save a name of 4097 bytes (at most 4096)"), std::string::npos) << error;
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(load_checkpoint(path).state_word("epoch"), 3u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 1);  // no temporary left
}

TEST(Checkpoint, EveryTruncationIsRejectedWithAMessage) {
  genattn_test::TempDir dir("genattn-ckpt");
  Seq2Seq<float> model(checkpoint_config());
  save_model(dir.file("m.ckpt"), model, model.init_params(1));
  const auto bytes = read_bytes(dir.file("m.ckpt"));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    const std::string msg = error_of([&] { decode_checkpoint(cut, "m.ckpt"); });
    ASSERT_NE(msg.find("m.ckpt: "), std::string::npos) << "length " << n << ": " << msg;
  }
  EXPECT_NO_THROW(decode_checkpoint(bytes, "m.ckpt"));
}

TEST(Checkpoint, CorruptBytesAreCaughtByTheChecksum) {
  genattn_test::TempDir dir("genattn-ckpt");
  Seq2Seq<float> model(checkpoint_config());
  save_model(dir.file("m.ckpt"), model, model.init_params(1));
  const auto bytes = read_bytes(dir.file("m.ckpt"));
  for (std::size_t i = 12; i < bytes.size(); i += 7) {
    auto bad = bytes;
    bad[i] ^= 0x20;
    const std::string msg = error_of([&] { decode_checkpoint(bad, "m.ckpt"); });
    EXPECT_NE(msg.find("checksum mismatch"), std::string::npos) << "byte " << i << ": " << msg;
  }
  auto bad_magic = bytes;
  bad_magic[0] = 'X';
  EXPECT_EQ(error_of([&] { decode_checkpoint(bad_magic, "m.ckpt"); }),
            "m.ckpt: not a genattn checkpoint (bad magic number)");
  auto future = bytes;
  future[8] = 3;
  EXPECT_EQ(error_of([&] { decode_checkpoint(future, "m.ckpt"); }),
            "m.ckpt: checkpoint format version 3 is not supported (this genattn reads versions 1 to 2)");
}

// Format version 2 stores a model's matrices in int8 (a scale per row; per
// column, a word, for embeddings) or bf16: what is saved and what stays in
// memory agree bit for bit, each value is within half a step of the float
// one, biases stay float, and the file shrinks.
TEST(Checkpoint, QuantizedCheckpointsRoundTripWithinHalfAStep) {
  genattn_test::TempDir dir("genattn-ckpt");
  Seq2SeqConfig cfg = checkpoint_config();
  cfg.src_vocab = 300;
  cfg.tgt_vocab = 200;
  cfg.embedding = 32;
  cfg.encoder_hidden = 24;
  cfg.decoder_hidden = 40;
  Seq2Seq<float> model(cfg);
  ParamBuffer<float> p = model.init_params(3);
  p[model.layout().slots()[0].param].col(5).setZero();  // a word whose embedding is all zero
  save_model(dir.file("float.ckpt"), model, p);
  const auto float_bytes = fs::file_size(dir.file("float.ckpt"));
  for (const Precision precision : {Precision::bf16, Precision::int8}) {
    SCOPED_TRACE(precision_name(precision));
    Checkpoint c = model_checkpoint(model, p);
    quantize_checkpoint(c, precision);
    EXPECT_EQ(checkpoint_precision(c), precision);
    save_checkpoint(dir.file("q.ckpt"), c);
    const Checkpoint back = load_checkpoint(dir.file("q.ckpt"));
    EXPECT_EQ(back.values, c.values);
    EXPECT_EQ(checkpoint_precision(back), precision);
    const auto ratio = static_cast<double>(fs::file_size(dir.file("q.ckpt"))) / static_cast<double>(float_bytes);
    EXPECT_LT(ratio, precision == Precision::int8 ? 0.30 : 0.52);
    EXPECT_GT(ratio, precision == Precision::int8 ? 0.25 : 0.50);
    const LoadedModel<float> q = load_model<float>(back, "q.ckpt");
    for (std::size_t k = 0; k < back.slots.size(); ++k) {
      const auto& slot = model.layout().slots()[k];
      const Mat<float> f = p[slot.param], g = q.params[slot.param];
      const SlotEncoding e = back.slots[k].encoding;
      if (slot.param.rows < 2 || slot.param.cols < 2) {
        EXPECT_EQ(e, SlotEncoding::scalar) << slot.name;
        EXPECT_EQ(f, g) << slot.name;
        continue;
      }
      const bool embedding = slot.name.size() > 2 && slot.name.substr(slot.name.size() - 2) == ".E";
      EXPECT_EQ(e, precision == Precision::bf16 ? SlotEncoding::bf16
                   : embedding                  ? SlotEncoding::int8_cols
                                                : SlotEncoding::int8_rows)
          << slot.name;
      for (Index i = 0; i < f.rows(); ++i)
        for (Index j = 0; j < f.cols(); ++j) {
          // int8: half a step of the line's scale; bf16: half a unit in the 8th bit
          // (0 is exact in both: no step, and no ilogb of 0)
          const float step = f(i, j) == 0.f               ? 0.f
                             : precision == Precision::bf16 ? std::ldexp(1.f, std::ilogb(f(i, j)) - 7)
                                 : (embedding ? f.col(j).cwiseAbs().maxCoeff() : f.row(i).cwiseAbs().maxCoeff()) / 127.f;
          ASSERT_LE(std::fabs(f(i, j) - g(i, j)), 0.5001f * step) << slot.name << " (" << i << ", " << j << ")";
        }
    }
    EXPECT_TRUE(q.params[model.layout().slots()[0].param].col(5).isZero());
    EXPECT_FALSE(back.has_optimizer);
  }
}

TEST(Checkpoint, EveryTruncationOfAQuantizedFileIsRejectedWithAMessage) {
  Seq2Seq<float> model(checkpoint_config());
  Checkpoint c = model_checkpoint(model, model.init_params(1));
  quantize_checkpoint(c, Precision::int8);
  const auto bytes = encode_checkpoint(c);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    const std::string msg = error_of([&] { decode_checkpoint(cut, "q.ckpt"); });
    ASSERT_NE(msg.find("q.ckpt: "), std::string::npos) << "length " << n << ": " << msg;
  }
  EXPECT_EQ(decode_checkpoint(bytes, "q.ckpt").values, c.values);
}

// Bytes the checksum passes but the format forbids: named, not decoded.
TEST(Checkpoint, InvalidQuantizedBytesAreNamed) {
  Checkpoint c;
  c.slots = {{"w", 2, 3, SlotEncoding::int8_rows}};
  c.values = {127, 254, -127, 2, 0, -254};  // rows scaled by 1 and 2: exact in int8
  const auto good = encode_checkpoint(c);
  // the slot table's last byte (the encoding) precedes 2 f32 scales and 6 int8 values
  // back from the end: checksum, state count, optimizer flag, 6 values, 2 scales
  const std::size_t values = good.size() - 8 - 4 - 1 - 6 - 8;
  auto restamped = [](std::vector<unsigned char> b) {
    b.resize(b.size() - 8);
    const std::uint64_t sum = fnv1a64(b.data(), b.size());
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<unsigned char>(sum >> (8 * i)));
    return b;
  };
  auto encoding = good;
  encoding[values - 1] = 9;
  EXPECT_NE(error_of([&] { decode_checkpoint(restamped(encoding), "q"); }).find("slot 'w' has an unknown encoding 9"),
            std::string::npos);
  auto minimum = good;
  minimum[values + 8] = 0x80;
  EXPECT_NE(error_of([&] { decode_checkpoint(restamped(minimum), "q"); }).find("holds the int8 value -128"),
            std::string::npos);
  auto scale = good;
  scale[values + 3] = 0xff;  // the first scale's sign and exponent bits: NaN
  scale[values + 2] = 0xff;
  EXPECT_NE(error_of([&] { decode_checkpoint(restamped(scale), "q"); }).find("invalid int8 scale"), std::string::npos);
  EXPECT_EQ(decode_checkpoint(good, "q").values, c.values);
}

TEST(Checkpoint, HugeCountsAreRejectedBeforeAllocating) {
  // A well-formed header whose slot count claims 4 billion entries.
  detail::ByteWriter w = header(1, 4);
  w.u32(0xFFFFFFFFu);  // slots
  w.u64(fnv1a64(w.bytes.data(), w.bytes.size()));
  const std::string msg = error_of([&] { decode_checkpoint(w.bytes, "huge"); });
  EXPECT_NE(msg.find("slot count = 4294967295 cannot fit"), std::string::npos) << msg;
}

// Slots whose values could not fit (2^62 each, whose byte counts would
// overflow a sum over a few of them) are refused before anything is
// allocated.
TEST(Checkpoint, HugeSlotsAreRejectedBeforeAllocating) {
  detail::ByteWriter w = header(2, 8);
  w.u32(5);  // slots
  for (int k = 0; k < 5; ++k) {
    w.str("w");
    w.i64(std::int64_t{1} << 31);
    w.i64(std::int64_t{1} << 31);
    w.u8(0);
  }
  w.u64(fnv1a64(w.bytes.data(), w.bytes.size()));
  const std::string msg = error_of([&] { decode_checkpoint(w.bytes, "huge"); });
  EXPECT_NE(msg.find("slot 'w' holds 4611686018427387904 values"), std::string::npos) << msg;
}

TEST(Checkpoint, MismatchedModelsAndMissingFilesAreNamed) {
  genattn_test::TempDir dir("genattn-ckpt");
  Seq2Seq<float> model(checkpoint_config());
  ParamBuffer<float> p = model.init_params(1);
  Trainer<float> trainer(model, p, TrainerConfig{});
  trainer.save(dir.file("t.ckpt"));
  Seq2SeqConfig other_cfg = checkpoint_config();
  other_cfg.encoder_hidden = 4;
  Seq2Seq<float> other(other_cfg);
  ParamBuffer<float> q = other.init_params(1);
  Trainer<float> t2(other, q, TrainerConfig{});
  EXPECT_EQ(error_of([&] { t2.resume(dir.file("t.ckpt")); }),
            dir.file("t.ckpt") + ": the checkpoint's encoder_hidden is 2, the model's is 4");
  save_model(dir.file("m.ckpt"), model, p);
  Trainer<float> t3(model, p, TrainerConfig{});
  EXPECT_EQ(error_of([&] { t3.resume(dir.file("m.ckpt")); }),
            dir.file("m.ckpt") + ": holds a model only, no training state to resume");
  EXPECT_EQ(error_of([&] { load_model<float>(dir.file("none.ckpt")); }),
            "cannot read checkpoint " + dir.file("none.ckpt") + ": No such file or directory");
  // a directory where the checkpoint should be: named (it was std::bad_alloc)
  EXPECT_EQ(error_of([&] { load_model<float>(dir.path.string()); }),
            "cannot read checkpoint " + dir.path.string() + ": it is a directory");
  // An unwritable destination: a clear error, and the old file is untouched.
  const auto before = read_bytes(dir.file("m.ckpt"));
  EXPECT_NE(error_of([&] { save_model(dir.file("no/such/dir/m.ckpt"), model, p); }).find("cannot write checkpoint"),
            std::string::npos);
  EXPECT_EQ(read_bytes(dir.file("m.ckpt")), before);
}
