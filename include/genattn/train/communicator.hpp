// genattn/train/communicator.hpp: what the trainer needs from the processes
// it trains with, so that the trainer itself stays free of MPI.
//
// R processes ("ranks") 0..R-1 each run the same program on the same data.
// A collective call must be made by every rank, in the same order:
//
//   sum(x):           x <- sum_{r < R} x_r, elementwise, on every rank
//   broadcast(s, q):  s <- s_q on every rank
//
// genattn/distributed/mpi.hpp implements it over MPI; a program that links
// no MPI never sees it. A Trainer given no communicator trains alone.
//
// Helpers built on it, collective too:
//   broadcast_values(c, x, n, q)     x[0..n) <- rank q's, bit for bit (any trivially copyable type)
//   any_rank(c, flag)                true on every rank when flag is on any
//   check_same_on_ranks(c, what, v)  throws RanksDiffer on every rank unless v is rank 0's everywhere
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "genattn/version.hpp"

GENATTN_NAMESPACE_BEGIN

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// x[0..n) <- its sum over the ranks, on every rank.
  virtual void sum(float* x, std::size_t n) = 0;
  virtual void sum(double* x, std::size_t n) = 0;
  /// bytes <- rank `root`'s bytes, on every rank.
  virtual void broadcast(std::string& bytes, int root) = 0;
};

/// x[0..n) <- rank `root`'s values, bit for bit, on every rank.
template <class S>
void broadcast_values(Communicator& c, S* x, std::size_t n, int root) {
  static_assert(std::is_trivially_copyable_v<S>, "broadcast_values copies bytes");
  std::string bytes(reinterpret_cast<const char*>(x), n * sizeof(S));
  c.broadcast(bytes, root);
  std::memcpy(x, bytes.data(), n * sizeof(S));
}

/// Whether `flag` is set on any rank (on every rank, the same answer).
inline bool any_rank(Communicator& c, bool flag) {
  double x = flag ? 1.0 : 0.0;
  c.sum(&x, 1);
  return x > 0.0;
}

/// What check_same_on_ranks throws, on every rank alike.
class RanksDiffer : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws RanksDiffer on every rank unless every rank's `value` of `what`
/// (a setting, a hash) is rank 0's; the message names the first rank that
/// differs and both values, in one line.
inline void check_same_on_ranks(Communicator& c, const std::string& what, const std::string& value) {
  std::string first = value;
  c.broadcast(first, 0);
  std::vector<double> differs(static_cast<std::size_t>(c.size()), 0.0);
  differs[static_cast<std::size_t>(c.rank())] = first != value ? 1.0 : 0.0;
  c.sum(differs.data(), differs.size());
  for (int r = 1; r < c.size(); ++r) {
    if (differs[static_cast<std::size_t>(r)] == 0.0) continue;
    std::string theirs = value;
    c.broadcast(theirs, r);
    throw RanksDiffer("the ranks differ: rank " + std::to_string(r) + "'s " + what + " is " + theirs + ", rank 0's is " +
                      first);
  }
}

inline void check_same_on_ranks(Communicator& c, const std::string& what, std::uint64_t value) {
  check_same_on_ranks(c, what, std::to_string(value));
}

GENATTN_NAMESPACE_END
