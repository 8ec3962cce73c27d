// genattn/core/parallel.hpp: work split among threads, one thread a part.
//
//   parallel_for(parts, f):        f(k) for k < parts, each on its own thread
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

/// f(k) for k in [0, parts): the caller's thread runs k = 0 and one new
/// thread each other k (if a thread cannot start, the caller runs its k).
/// The first exception is rethrown after every thread has joined.
template <class F>
void parallel_for(Index parts, F&& f) {
  if (parts <= 1) {
    if (parts == 1) f(Index{0});
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
  auto run = [&](Index k) {
    try {
      f(k);
    } catch (...) {
      errors[static_cast<std::size_t>(k)] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(parts - 1));
  for (Index k = 1; k < parts; ++k) {
    try {
      threads.emplace_back(run, k);
    } catch (...) {
      run(k);
    }
  }
  run(0);
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

template <class F>
void parallel_ranges(Index n, int parts, F&& f) {
  if (parts <= 1 || n < 4096) {
    f(Index{0}, n, Index{0});
    return;
  }
  const auto P = static_cast<Index>(parts);
  auto bound = [&](Index k) { return k == P ? n : std::min(n, (n * k / P) / 16 * 16); };
  parallel_for(P, [&](Index k) { f(bound(k), bound(k + 1), k); });
}

GENATTN_NAMESPACE_END
