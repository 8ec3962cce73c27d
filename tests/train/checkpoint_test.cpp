#include <gtest/gtest.h>

#include <genattn/train/trainer.hpp>

#include "../support/errors.hpp"
#include "../support/temp_dir.hpp"

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
  future[8] = 2;
  EXPECT_EQ(error_of([&] { decode_checkpoint(future, "m.ckpt"); }),
            "m.ckpt: checkpoint format version 2 is not supported (this genattn reads version 1)");
}

TEST(Checkpoint, HugeCountsAreRejectedBeforeAllocating) {
  // A well-formed header whose slot count claims 4 billion entries.
  detail::ByteWriter w;
  for (char ch : std::string("GENATTN\x1a", 8)) w.u8(static_cast<std::uint8_t>(ch));
  w.u32(1);
  w.u8(4);
  w.u32(0);            // no config
  w.u32(0xFFFFFFFFu);  // slots
  w.u64(fnv1a64(w.bytes.data(), w.bytes.size()));
  const std::string msg = error_of([&] { decode_checkpoint(w.bytes, "huge"); });
  EXPECT_NE(msg.find("slot count = 4294967295 cannot fit"), std::string::npos) << msg;
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
