#include <gtest/gtest.h>

#include <genattn/train/checkpoint_bytes.hpp>

#include "../support/errors.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace genattn;
using detail::ByteReader;
using detail::ByteWriter;
using genattn_test::message_of;

namespace {

using Bytes = std::vector<unsigned char>;

/// One of each kind of field, as a checkpoint's header writes them.
void write_fields(ByteWriter& w) {
  w.u8(0xab);
  w.u32(0x01020304u);
  w.u64(0x1122334455667788ull);
  w.i64(-2);
  w.f32(1.0f);
  w.f64(-2.0);
  w.str("ab");
}

/// The bytes of write_fields, written out by hand: little-endian, IEEE 754.
const Bytes fields_bytes = {
    0xab,                                            // u8
    0x04, 0x03, 0x02, 0x01,                          // u32
    0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,  // u64
    0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // i64 -2
    0x00, 0x00, 0x80, 0x3f,                          // f32 1.0 = 0x3f800000
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0,  // f64 -2.0 = 0xc000000000000000
    0x02, 0x00, 0x00, 0x00, 'a', 'b',                // str: u32 length, bytes
};

std::vector<double> ramp(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.25 * static_cast<double>(i) - 3.0;
  return v;
}

}  // namespace

TEST(CheckpointBytes, FieldsAreLittleEndianIeeeBytes) {
  ByteWriter w;
  write_fields(w);
  EXPECT_EQ(w.bytes, fields_bytes);
  EXPECT_EQ(w.size(), fields_bytes.size());
  EXPECT_EQ(w.hash(), fnv1a64(fields_bytes.data(), fields_bytes.size()));
}

TEST(CheckpointBytes, ScalarsAreFloatsOrDoublesInOrder) {
  const std::vector<double> v = {1.0, -2.0};
  ByteWriter as_float, as_double;
  as_float.scalars(v.data(), v.size(), 4);
  as_double.scalars(v.data(), v.size(), 8);
  EXPECT_EQ(as_float.bytes, (Bytes{0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0}));
  EXPECT_EQ(as_double.bytes, (Bytes{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0xc0}));
}

TEST(CheckpointBytes, ACountingWriterCountsWhatAWriterWrites) {
  const std::vector<double> v = ramp(1000);
  ByteWriter counting(true), holding;
  for (ByteWriter* w : {&counting, &holding}) {
    write_fields(*w);
    w->scalars(v.data(), v.size(), 4);
    w->scalars(v.data(), v.size(), 8);
  }
  EXPECT_TRUE(counting.bytes.empty());
  EXPECT_EQ(counting.size(), holding.bytes.size());
  EXPECT_EQ(holding.bytes.size(), fields_bytes.size() + 1000 * (4 + 8));
}

TEST(CheckpointBytes, AStreamingWriterHandsOnTheSameBytesABlockAtATime) {
  // more than two blocks of scalars between small fields, so that blocks
  // end inside the scalars and inside the fields
  const std::vector<double> v = ramp(ByteWriter::block / 8 * 2 + 12345);
  ByteWriter holding;
  Bytes handed;
  std::vector<std::size_t> pieces;
  ByteWriter streaming([&](const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    handed.insert(handed.end(), b, b + n);
    pieces.push_back(n);
  });
  for (ByteWriter* w : {&holding, &streaming}) {
    write_fields(*w);
    w->scalars(v.data(), v.size(), 8);
    write_fields(*w);
    w->scalars(v.data(), 3, 4);
  }
  EXPECT_LT(streaming.bytes.size(), ByteWriter::block);  // what is not handed on yet
  streaming.flush();
  EXPECT_TRUE(streaming.bytes.empty());
  EXPECT_EQ(handed, holding.bytes);
  ASSERT_GE(pieces.size(), 3u);
  for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
    EXPECT_GE(pieces[i], ByteWriter::block) << "piece " << i;
    EXPECT_LT(pieces[i], ByteWriter::block + 8) << "piece " << i;  // less than one more value
  }
  EXPECT_EQ(streaming.hash(), fnv1a64(holding.bytes.data(), holding.bytes.size()));
}

TEST(CheckpointBytes, TheReaderReadsBackWhatTheWriterWrote) {
  const std::vector<double> v = {0.5, -1.25, 3.0};
  ByteWriter w;
  write_fields(w);
  w.scalars(v.data(), v.size(), 4);
  w.scalars(v.data(), v.size(), 8);
  ByteReader r(w.bytes.data(), w.bytes.size(), "f.ckpt");
  EXPECT_EQ(r.u8("a"), 0xab);
  EXPECT_EQ(r.u32("b"), 0x01020304u);
  EXPECT_EQ(r.u64("c"), 0x1122334455667788ull);
  EXPECT_EQ(r.i64("d"), -2);
  EXPECT_EQ(r.f32("e"), 1.0f);
  EXPECT_EQ(r.f64("f"), -2.0);
  EXPECT_EQ(r.str("g"), "ab");
  EXPECT_EQ(r.scalars(3, 4, "h"), v);
  EXPECT_EQ(r.scalars(3, 8, "i"), v);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(CheckpointBytes, TheReaderNamesTheFileTheFieldAndTheOffsetOfWhatIsMissing) {
  const Bytes three = {1, 2, 3};
  ByteReader r(three.data(), three.size(), "f.ckpt");
  EXPECT_EQ(message_of<CheckpointError>([&] { r.u32("version"); }),
            "f.ckpt: truncated: version needs 4 bytes, 3 remain (at byte 0)");
  EXPECT_EQ(r.u8("kind"), 1);
  EXPECT_EQ(message_of<CheckpointError>([&] { r.scalars(1, 4, "values"); }),
            "f.ckpt: truncated: values needs 4 bytes (at byte 1)");
  EXPECT_EQ(message_of<CheckpointError>([&] { r.skip(3, 1, "moments"); }),
            "f.ckpt: truncated: moments needs 3 bytes (at byte 1)");
  r.skip(2, 1, "rest");
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(CheckpointBytes, TheReaderRefusesLongStringsAndCountsTheBytesCannotHold) {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(detail::checkpoint_max_string + 1));
  w.u32(1000);  // a count of 8-byte entries, with 0 bytes after it
  ByteReader r(w.bytes.data(), w.bytes.size(), "f.ckpt");
  EXPECT_EQ(message_of<CheckpointError>([&] { r.str("name"); }), "f.ckpt: name has length 4097, over the limit (at byte 4)");
  EXPECT_EQ(message_of<CheckpointError>([&] { r.count("slots", 8); }),
            "f.ckpt: slots = 1000 cannot fit in the 0 bytes that remain (at byte 8)");
}

TEST(CheckpointBytes, TheWriterRefusesAStringTheReaderWouldRefuse) {
  ByteWriter w;
  w.str(std::string(detail::checkpoint_max_string, 'x'));  // the longest that loads
  EXPECT_EQ(w.bytes.size(), 4 + detail::checkpoint_max_string);
  EXPECT_EQ(message_of<CheckpointError>([&] { w.str(std::string(detail::checkpoint_max_string + 1, 'y')); }),
            "cannot save a name of 4097 bytes (at most 4096): 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...'");
  EXPECT_EQ(w.bytes.size(), 4 + detail::checkpoint_max_string);  // nothing of it written
}
