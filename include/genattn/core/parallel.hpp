// genattn/core/parallel.hpp: one loop cut into contiguous ranges, one thread
// each.
//
//   parallel_ranges(n, parts, f):  f(b_k, e_k, k) for k < parts, where the ranges
//   [b_k, e_k) cover [0, n) in order, each a multiple of 16 long but the last
//   (so SIMD loads stay aligned on 64-byte aligned buffers of floats)
// The caller's thread runs the first range; the first exception is rethrown
// after every thread has joined.
#pragma once

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

#include "genattn/core/types.hpp"

GENATTN_NAMESPACE_BEGIN

template <class F>
void parallel_ranges(Index n, int parts, F&& f) {
  if (parts <= 1 || n < 4096) {
    f(Index{0}, n, Index{0});
    return;
  }
  const auto P = static_cast<Index>(parts);
  auto bound = [&](Index k) { return k == P ? n : std::min(n, (n * k / P) / 16 * 16); };
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
  auto run = [&](Index k) {
    try {
      f(bound(k), bound(k + 1), k);
    } catch (...) {
      errors[static_cast<std::size_t>(k)] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (Index k = 1; k < P; ++k) threads.emplace_back(run, k);
  run(0);
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

GENATTN_NAMESPACE_END
