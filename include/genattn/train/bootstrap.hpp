// genattn/train/bootstrap.hpp: the bootstrap resample of a training set, for
// bagging (Breiman 1996): each ensemble member trains on its own resample.
//
// A resample of n examples draws n indices uniformly from 0..n-1 with
// replacement, from Rng(seed):
//   i_k = below(n),  k = 1..n
// so it holds about 1 - 1/e (63.2%) of the examples, some more than once.
// The same (n, seed) gives the same resample on any machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "genattn/core/rng.hpp"

GENATTN_NAMESPACE_BEGIN

/// The indices of a bootstrap resample of n examples (see the file comment).
/// std::invalid_argument for n = 0: an empty set has no resample.
inline std::vector<std::size_t> bootstrap_indices(std::size_t n, std::uint64_t seed) {
  if (n == 0) throw std::invalid_argument("bootstrap: there are no examples to resample");
  Rng rng(seed);
  std::vector<std::size_t> out(n);
  for (auto& i : out) i = static_cast<std::size_t>(rng.below(n));
  return out;
}

/// The resample itself: examples[i] for each index of bootstrap_indices.
template <class E>
std::vector<E> bootstrap_sample(const std::vector<E>& examples, std::uint64_t seed) {
  std::vector<E> out;
  out.reserve(examples.size());
  for (const std::size_t i : bootstrap_indices(examples.size(), seed)) out.push_back(examples[i]);
  return out;
}

GENATTN_NAMESPACE_END
