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
