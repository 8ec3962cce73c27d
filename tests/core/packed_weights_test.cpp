// PackedWeights packs a slot a buffer holds encoded (a quantized model
// loaded for decoding): at the slot's own precision from its bytes, with no
// float copy and no second rounding; at another precision from the values
// the bytes stand for, as a buffer holding those values packs them.
#include <gtest/gtest.h>

#include <genattn/core/packed_weights.hpp>
#include <genattn/core/weight_product.hpp>

#include "support/kernels.hpp"

using namespace genattn;

namespace {

// A layout of two matrices with tails (rows not a multiple of a panel, K
// not a multiple of an instruction's width), once with their values and
// once held at `e`.
struct HeldPair {
  ParamLayout layout;
  Param A, B;
  ParamBuffer<float> values, held;
  HeldPair(SlotEncoding e, unsigned seed) {
    A = layout.add("A", 70, 37);
    B = layout.add("B", 70, 13);
    values = ParamBuffer<float>(layout);
    held = ParamBuffer<float>(layout, {A, B});
    for (const Param& P : {A, B}) {
      const Mat<float> w = genattn_test::gaussian(P.rows, P.cols, seed++);
      const EncodedSlot s = encode_slot(w.data(), P.rows, P.cols, e);
      s.decode(values[P].data());
      held.hold(P, s);
    }
  }
};

Mat<float> product(const PackedWeights<float>& w, const Mat<float>& x, const Mat<float>& h) {
  Mat<float> y(w.rows(), x.cols());
  if (w.split())
    w.multiply_stacked(x, h, y);
  else if (h.size() != 0) {
    Mat<float> xh(x.rows() + h.rows(), x.cols());
    xh << x, h;
    w.multiply(xh, y);
  } else {
    w.multiply(x, y);
  }
  return y;
}

}  // namespace

TEST(PackedWeights, AHeldSlotPacksAsItsValuesDo) {
  const Mat<float> x = genattn_test::gaussian(37, 5, 1), h = genattn_test::gaussian(13, 5, 2);
  for (const SlotEncoding e : {SlotEncoding::int8_rows, SlotEncoding::bf16}) {
    HeldPair w(e, 10);
    for (const Precision precision : {Precision::float32, Precision::bf16, Precision::int8}) {
      SCOPED_TRACE(std::string(encoding_name(e)) + " packed at " + precision_name(precision));
      PackedWeights<float> from_values, from_held;
      // one matrix, and a stacked pair
      from_values.pack(w.values, w.A, precision);
      from_held.pack(w.held, w.A, precision);
      const Mat<float> want = product(from_values, x, Mat<float>()), got = product(from_held, x, Mat<float>());
      from_values.pack(w.values, w.A, w.B, precision);
      from_held.pack(w.held, w.A, w.B, precision);
      const Mat<float> want2 = product(from_values, x, h), got2 = product(from_held, x, h);
      EXPECT_EQ(from_held.precision(), precision);
      EXPECT_EQ(from_held.bytes(), from_values.bytes());
      const bool own = (e == SlotEncoding::int8_rows && precision == Precision::int8) ||
                       (e == SlotEncoding::bf16 && precision == Precision::bf16);
      if (own && e == SlotEncoding::int8_rows) {
        // the file's scales are kept, not recomputed from q * scale: the
        // products agree to float rounding of the scales
        EXPECT_LE((got - want).cwiseAbs().maxCoeff(), 1e-5f * want.cwiseAbs().maxCoeff());
        EXPECT_LE((got2 - want2).cwiseAbs().maxCoeff(), 1e-5f * want2.cwiseAbs().maxCoeff());
      } else {
        // bf16 values round to themselves; other precisions pack the widened values
        EXPECT_EQ(got, want);
        EXPECT_EQ(got2, want2);
      }
    }
  }
}

// Packed at its own int8, a held slot keeps the file's q and scales exactly.
TEST(PackedWeights, AHeldInt8SlotKeepsTheFilesBytes) {
  HeldPair w(SlotEncoding::int8_rows, 20);
  Int8Matrix<float> direct;
  const EncodedSlot& s = *w.held.encoded(w.A);
  Int8Matrix<float>::Quantized q;
  q.q = Eigen::Map<const Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic>>(s.q.data(), s.rows, s.cols);
  q.scale = Eigen::Map<const Vec<float>>(s.scales.data(), s.rows);
  direct.pack(q);
  PackedWeights<float> packed;
  packed.pack(w.held, w.A, Precision::int8);
  const Mat<float> x = genattn_test::gaussian(37, 3, 3);
  Mat<float> a(70, 3), b(70, 3);
  direct.multiply(x, a);
  packed.multiply(x, b);
  EXPECT_EQ(a, b);
}

// Eigen's product (nothing packed) widens a held slot for itself.
TEST(WeightProduct, EigensProductWidensAHeldSlot) {
  HeldPair w(SlotEncoding::int8_rows, 30);
  const Mat<float> x = genattn_test::gaussian(37, 4, 4), h = genattn_test::gaussian(13, 4, 5);
  Mat<float> want(70, 4), got(70, 4), ws;
  WeightProduct<float>().apply(w.values, w.A, x, want);
  WeightProduct<float>().apply(w.held, w.A, x, got);
  EXPECT_EQ(got, want);
  WeightProduct<float>().apply_stacked(w.values, w.A, x, w.B, h, want, ws);
  WeightProduct<float>().apply_stacked(w.held, w.A, x, w.B, h, got, ws);
  EXPECT_EQ(got, want);
}
