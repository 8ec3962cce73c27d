// Every translation unit that includes genattn pins the cache sizes Eigen
// blocks its products for, so a product's bits do not depend on the
// processor's caches.
#include <gtest/gtest.h>

#include <genattn/core/eigen_blocking.hpp>
#include <genattn/core/types.hpp>

using namespace genattn;

namespace {

// Restores the pin when a test that changes Eigen's sizes ends.
struct Repin {
  ~Repin() { pin_eigen_blocking(); }
};

Mat<float> product(const Mat<float>& a, const Mat<float>& b) {
  Mat<float> c(a.rows(), b.cols());
  c.noalias() = a * b;
  return c;
}

}  // namespace

TEST(EigenBlocking, IsPinnedBeforeMain) {
  EXPECT_TRUE(eigen_blocking_pinned()) << "Eigen blocks for L1 " << Eigen::l1CacheSize() << ", L2 "
                                       << Eigen::l2CacheSize() << ", L3 " << Eigen::l3CacheSize();
}

// The hazard the pin removes: the same product, blocked for the caches of an
// AMD EPYC (Zen 3) and of a 5th-generation Xeon, rounds differently when
// their L1 sizes cut the inner dimension into different blocks (K = 1500:
// three and two sweeps in a generic build, others with AVX2, AVX-512 or no
// SIMD, all different); blocked for the pinned sizes it gives the same bits
// whatever the processor's own sizes were.
TEST(EigenBlocking, ProcessorCachesWouldChangeTheBits) {
  Repin repin;
  const Mat<float> a = Mat<float>::Random(300, 1500), b = Mat<float>::Random(1500, 64);
  ASSERT_TRUE(eigen_blocking_pinned());
  const Mat<float> pinned = product(a, b);
  Eigen::setCpuCacheSizes(32 * 1024, 512 * 1024, 256 * 1024 * 1024);
  const Mat<float> zen3 = product(a, b);
  Eigen::setCpuCacheSizes(48 * 1024, 2 * 1024 * 1024, 272 * 1024 * 1024);
  const Mat<float> xeon = product(a, b);
  EXPECT_GT((zen3.array() != xeon.array()).count(), 0) << "the caches steer the rounding";
  EXPECT_LE((zen3 - xeon).cwiseAbs().maxCoeff(), 1e-3f) << "by rounding only";
  pin_eigen_blocking();
  EXPECT_EQ(product(a, b), pinned);
}
