// genattn/core/rng.hpp: a small seedable random number generator.
//
// xoshiro256** seeded through splitmix64. Unlike std::*_distribution, every
// draw here is specified bit for bit, so the same seed gives the same model on
// every compiler and standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "genattn/core/check.hpp"

GENATTN_NAMESPACE_BEGIN

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0x9E3779B97F4A7C15ull) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    for (auto& s : state_) s = splitmix64(seed);
    has_spare_ = false;
  }

  /// The full generator state as words (for checkpoints), and its restore.
  std::vector<std::uint64_t> state() const {
    std::uint64_t spare;
    std::memcpy(&spare, &spare_, 8);
    return {state_[0], state_[1], state_[2], state_[3], spare, has_spare_ ? 1u : 0u};
  }
  void set_state(const std::vector<std::uint64_t>& words) {
    check_arg(words.size() == 6, "Rng::set_state", "expected 6 words, got " + std::to_string(words.size()));
    for (int i = 0; i < 4; ++i) state_[i] = words[static_cast<std::size_t>(i)];
    std::memcpy(&spare_, &words[4], 8);
    has_spare_ = words[5] != 0;
  }

  /// 64 uniformly random bits.
  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n) (n > 0), without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t r;
    do r = next_u64();
    while (r >= limit);
    return r % n;
  }
  /// Standard normal (Box-Muller, both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1;
    do u1 = uniform();
    while (u1 <= 0.0);
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * 3.14159265358979323846 * u2;
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  std::uint64_t state_[4] = {};
  double spare_ = 0.0;
  bool has_spare_ = false;
};

GENATTN_NAMESPACE_END
