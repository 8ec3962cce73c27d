// tests/support/batch.hpp: helpers to cut one item out of a padded batch
// (column t*B + b) and to build padded test batches.
#pragma once

#include <genattn/core/types.hpp>

namespace genattn_test {

/// The first `len` steps of item b of a batch of B items: rows x len.
template <class T>
genattn::Mat<T> item_columns(const genattn::Mat<T>& m, genattn::Index B, genattn::Index b, genattn::Index len) {
  genattn::Mat<T> out(m.rows(), len);
  for (genattn::Index t = 0; t < len; ++t) out.col(t) = m.col(t * B + b);
  return out;
}

/// A random In x T*B batch whose padded columns hold large junk values, to
/// show that nothing reads them.
template <class T>
genattn::Mat<T> random_padded_batch(genattn::Index rows, const genattn::Lengths& lengths, genattn::Index time) {
  const auto B = static_cast<genattn::Index>(lengths.size());
  genattn::Mat<T> x = genattn::Mat<T>::Random(rows, time * B);
  for (genattn::Index b = 0; b < B; ++b)
    for (genattn::Index t = lengths[static_cast<std::size_t>(b)]; t < time; ++t)
      x.col(t * B + b).setConstant(T(100));
  return x;
}

/// Sets the padded columns of a T*B-column matrix to zero.
template <class T>
void zero_padding(genattn::Mat<T>& m, const genattn::Lengths& lengths) {
  const auto B = static_cast<genattn::Index>(lengths.size());
  for (genattn::Index c = 0; c < m.cols(); ++c)
    if (c / B >= lengths[static_cast<std::size_t>(c % B)]) m.col(c).setZero();
}

}  // namespace genattn_test
