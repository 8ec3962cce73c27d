#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include <genattn/core/params.hpp>

#include "../support/errors.hpp"

using namespace genattn;

TEST(ParamLayout, SlotsAreAlignedAndDisjoint) {
  ParamLayout layout;
  const Param a = layout.add("a", 3, 5);
  const Param b = layout.add("b", 7, 1);
  const Param c = layout.add("c", 16, 2);
  EXPECT_EQ(a.offset, 0);
  EXPECT_EQ(b.offset % ParamLayout::alignment, 0);
  EXPECT_EQ(c.offset % ParamLayout::alignment, 0);
  EXPECT_GE(b.offset, a.offset + a.size());
  EXPECT_GE(c.offset, b.offset + b.size());
  EXPECT_GE(layout.size(), c.offset + c.size());
  EXPECT_EQ(layout.parameter_count(), 15 + 7 + 32);
  ASSERT_NE(layout.find("b"), nullptr);
  EXPECT_EQ(layout.find("b")->param.offset, b.offset);
  EXPECT_EQ(layout.find("nope"), nullptr);
}

TEST(ParamLayout, RejectsALayoutTooLargeToIndex) {
  ParamLayout layout;
  const Index big = Index{1} << 40;
  EXPECT_EQ(genattn_test::invalid_argument_message([&] { layout.add("w", big, big); }),
            "ParamLayout::add: slot 'w' of shape 1099511627776x1099511627776 makes the layout too large");
  layout.add("a", Index{1} << 26, Index{1} << 25);  // 2^51 scalars: declared, never allocated
  EXPECT_THROW(layout.add("b", Index{1} << 26, Index{1} << 25), std::invalid_argument);
}

TEST(ParamLayout, RejectsDuplicateNamesAndEmptyShapes) {
  ParamLayout layout;
  layout.add("w", 2, 2);
  EXPECT_THROW(layout.add("w", 2, 2), std::invalid_argument);
  try {
    layout.add("v", 0, 3);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'v' has shape 0x3"), std::string::npos) << e.what();
  }
}

TEST(ParamBuffer, ViewsAliasTheFlatBuffer) {
  ParamLayout layout;
  const Param a = layout.add("a", 2, 3);
  const Param b = layout.add("b", 4, 1);
  ParamBuffer<float> buf(layout);
  EXPECT_EQ(buf.size(), layout.size());
  EXPECT_EQ(buf.flat().squaredNorm(), 0.0f);
  buf[a](1, 2) = 5.0f;  // column-major: element 1 + 2*2
  buf[b](3, 0) = -1.0f;
  EXPECT_EQ(buf.flat()[a.offset + 5], 5.0f);
  EXPECT_EQ(buf.flat()[b.offset + 3], -1.0f);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buf[b].data()) % 16, 0u);
  buf.set_zero();
  EXPECT_EQ(buf[a](1, 2), 0.0f);
}

// version() moves with every mutable view (a write may follow) and with
// assignment, never with a const one: what is derived from the values
// (packed weights) checks it.
TEST(ParamBuffer, VersionCountsMutableViews) {
  ParamLayout layout;
  const Param a = layout.add("a", 3, 2);
  ParamBuffer<float> p(layout);
  const ParamBuffer<float>& c = p;
  std::uint64_t v = p.version();
  (void)c[a];
  (void)c.flat();
  EXPECT_EQ(p.version(), v) << "const views";
  p[a](0, 0) = 1.0f;
  EXPECT_GT(p.version(), v);
  v = p.version();
  p.flat()[1] = 2.0f;
  EXPECT_GT(p.version(), v);
  v = p.version();
  p.set_zero();
  EXPECT_GT(p.version(), v);
  v = p.version();
  const ParamBuffer<float> q(layout);
  p = q;
  EXPECT_GT(p.version(), v) << "assigned";
  ParamBuffer<float> moved(std::move(p));
  EXPECT_EQ(moved.size(), q.size());
}

// A buffer for decoding holds some slots encoded: no values for them (a view
// is refused by name of its encoding), the others as values; it has no flat
// form, and copies keep what it holds.
TEST(ParamBuffer, HeldSlotsKeepTheirEncodingAndNoValues) {
  ParamLayout layout;
  const Param a = layout.add("a", 40, 30);
  const Param b = layout.add("b", 4, 1);
  ParamBuffer<float> buf(layout, {a});
  EXPECT_TRUE(buf.holds_encoded());
  EXPECT_EQ(buf.size(), layout.size());
  EXPECT_EQ(buf.bytes(), ParamLayout::alignment * sizeof(float));  // b's values alone, a not given yet
  buf[b](3, 0) = 2.5f;
  EXPECT_EQ(buf.encoded(b), nullptr);

  Mat<float> values = Mat<float>::Random(40, 30);
  buf.hold(a, encode_slot(values.data(), 40, 30, SlotEncoding::int8_rows));
  ASSERT_NE(buf.encoded(a), nullptr);
  EXPECT_EQ(buf.encoded(a)->encoding, SlotEncoding::int8_rows);
  EXPECT_EQ(buf.bytes(), ParamLayout::alignment * sizeof(float) + 40 * 30 + 40 * sizeof(float));
  EXPECT_EQ(genattn_test::invalid_argument_message([&] { (void)std::as_const(buf)[a]; }),
            "ParamBuffer: the 40x30 slot is held at int8 (a scale per row) for decoding: its values exist only "
            "packed for products and looked up by embeddings");
  EXPECT_THROW((void)buf[a], std::invalid_argument);
  EXPECT_THROW((void)buf.flat(), std::logic_error);
  EXPECT_THROW((void)std::as_const(buf).flat(), std::logic_error);
  EXPECT_THROW(buf.hold(b, encode_slot(values.data(), 4, 1, SlotEncoding::bf16)), std::invalid_argument);
  EXPECT_EQ(genattn_test::invalid_argument_message(
                [&] { buf.hold(a, encode_slot(values.data(), 30, 40, SlotEncoding::bf16)); }),
            "ParamBuffer::hold: the encoded values are 30x40 bf16, the slot is 40x30");

  const ParamBuffer<float> copy = buf;
  ASSERT_NE(copy.encoded(a), nullptr);
  EXPECT_EQ(copy.encoded(a)->q, buf.encoded(a)->q);
  EXPECT_EQ(copy[b](3, 0), 2.5f);
  const Param foreign{3 * ParamLayout::alignment, 1, 1};
  EXPECT_THROW((void)copy[foreign], std::invalid_argument);
}
