// A decoding state moves whole hypotheses: every layer's (h, c), z, the
// coverage and the source map go together when search splits, writes back or
// reorders them.
#include "genattn/seq2seq/decoding_state.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace genattn;

namespace {

// Four hypotheses over three source items; every entry of hypothesis k holds
// 100 * k plus its place, so a column tells whose it is.
DecodingState<double> numbered_state() {
  DecodingState<double> s;
  s.map = SourceMap::identity({3, 2, 1}, 3).select({0, 1, 2, 1});
  auto fill = [](Index rows, double offset) {
    Mat<double> m(rows, 4);
    for (Index k = 0; k < 4; ++k)
      for (Index r = 0; r < rows; ++r) m(r, k) = 100.0 * static_cast<double>(k) + offset + static_cast<double>(r);
    return m;
  };
  s.layers.resize(2);
  s.layers[0].h = fill(2, 0.0);
  s.layers[0].c = fill(2, 10.0);
  s.layers[1].h = fill(2, 20.0);
  s.layers[1].c = fill(2, 30.0);
  s.z = fill(3, 40.0);
  s.coverage = fill(3, 50.0);
  return s;
}

void expect_column(const DecodingState<double>& got, Index k, const DecodingState<double>& from, Index j) {
  for (std::size_t l = 0; l < got.layers.size(); ++l) {
    EXPECT_EQ(got.layers[l].h.col(k), from.layers[l].h.col(j)) << "layer " << l;
    EXPECT_EQ(got.layers[l].c.col(k), from.layers[l].c.col(j)) << "layer " << l;
  }
  EXPECT_EQ(got.z.col(k), from.z.col(j));
  EXPECT_EQ(got.coverage.col(k), from.coverage.col(j));
  EXPECT_EQ(got.map.item[static_cast<std::size_t>(k)], from.map.item[static_cast<std::size_t>(j)]);
  EXPECT_EQ(got.map.length[static_cast<std::size_t>(k)], from.map.length[static_cast<std::size_t>(j)]);
}

}  // namespace

TEST(DecodingState, ReorderKeepsEachHypothesisWhole) {
  const DecodingState<double> s = numbered_state();
  DecodingState<double> r = s;
  r.reorder({3, 3, 0});
  ASSERT_EQ(r.size(), 3);
  expect_column(r, 0, s, 3);
  expect_column(r, 1, s, 3);
  expect_column(r, 2, s, 0);
  EXPECT_THROW(r.reorder({3}), std::invalid_argument);  // only 3 hypotheses left
}

TEST(DecodingState, CopyColumnsThenSetColumnsRoundTrips) {
  const DecodingState<double> s = numbered_state();
  DecodingState<double> part;
  s.copy_columns(1, 2, part);
  ASSERT_EQ(part.size(), 2);
  expect_column(part, 0, s, 1);
  expect_column(part, 1, s, 2);

  // write the part back over hypotheses 2 and 3: 0 and 1 keep theirs
  DecodingState<double> t = s;
  t.set_columns(2, part);
  expect_column(t, 0, s, 0);
  expect_column(t, 1, s, 1);
  EXPECT_EQ(t.z.col(2), s.z.col(1));
  EXPECT_EQ(t.z.col(3), s.z.col(2));
  EXPECT_EQ(t.layers[1].c.col(3), s.layers[1].c.col(2));
  EXPECT_EQ(t.coverage.col(2), s.coverage.col(1));
  EXPECT_EQ(t.map.item, s.map.item);  // the map is the caller's to keep
}

TEST(DecodingState, WithoutCoverageThePartHasNone) {
  DecodingState<double> s = numbered_state();
  s.coverage.resize(0, 0);
  DecodingState<double> part;
  part.coverage.setOnes(3, 3);  // stale: must not survive
  s.copy_columns(0, 3, part);
  EXPECT_EQ(part.coverage.size(), 0);
  s.reorder({1, 0});
  EXPECT_EQ(s.coverage.size(), 0);
  EXPECT_EQ(s.z(0, 0), 140.0);
}
