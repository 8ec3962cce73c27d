// genattn/distributed/mpi.hpp: the trainer's Communicator over MPI, for
// data-parallel training on many processes and machines.
//
// Include it only in a program that links MPI (CMake: genattn::mpi); the
// rest of genattn never includes it and stays Eigen-only.
//
//   genattn::MpiSession mpi(&argc, &argv);        // MPI_Init_thread .. MPI_Finalize
//   genattn::MpiCommunicator world;                // MPI_COMM_WORLD, duplicated
//   trainer_config.communicator = &world;          // every rank: the same data, seed and config
//
// Every rank then calls Trainer::train_batch on the same batches; each
// computes its shards, and the gradient is summed with one MPI_Allreduce
// per update (MPI_SUM over the flat buffer, in pieces of at most 2^30
// values). With two ranks the sum is a + b, which does not depend on the
// order, so two ranks of one thread train bit for bit as one process of two
// threads; with more, MPI chooses the order of the additions and the result
// agrees with one process within float rounding.
//
// Errors: the communicator sets MPI_ERRORS_RETURN and turns a failed call
// into MpiError with MPI's message. A rank that dies is reported by mpirun,
// which ends the other ranks (Open MPI's default).
#pragma once

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "genattn/train/communicator.hpp"

GENATTN_NAMESPACE_BEGIN

class MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace mpi_detail {
inline void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
  throw MpiError(std::string(call) + " failed: " + (len > 0 ? std::string(text, static_cast<std::size_t>(len)) : "error " + std::to_string(rc)));
}
}  // namespace mpi_detail

/// MPI for the life of the object: MPI_Init_thread (funneled: only the
/// thread that made it calls MPI; the trainer's own threads never do) and
/// MPI_Finalize. One per process.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv) {
    int provided = 0;
    mpi_detail::check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    if (provided < MPI_THREAD_FUNNELED) {
      MPI_Finalize();
      throw MpiError("this MPI library does not support threads (MPI_THREAD_FUNNELED)");
    }
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  ~MpiSession() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }

  /// Whether mpirun (Open MPI, or a PMI launcher such as srun or MPICH's
  /// hydra) started this process: a program may then start MPI, and leave it
  /// alone when it runs by itself.
  static bool launched() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
      if (std::getenv(v) != nullptr) return true;
    return false;
  }
};

/// The ranks of an MPI communicator (MPI_COMM_WORLD by default), duplicated
/// so that genattn's messages never meet the program's own.
class MpiCommunicator : public Communicator {
 public:
  explicit MpiCommunicator(MPI_Comm parent = MPI_COMM_WORLD) {
    mpi_detail::check(MPI_Comm_dup(parent, &comm_), "MPI_Comm_dup");
    mpi_detail::check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    mpi_detail::check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    mpi_detail::check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;
  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(float* x, std::size_t n) override { allreduce(x, n, MPI_FLOAT); }
  void sum(double* x, std::size_t n) override { allreduce(x, n, MPI_DOUBLE); }
  void broadcast(std::string& bytes, int root) override {
    unsigned long long n = bytes.size();
    mpi_detail::check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, comm_), "MPI_Bcast");
    bytes.resize(static_cast<std::size_t>(n));
    for (std::size_t at = 0; at < bytes.size(); at += kPiece) {
      const std::size_t len = std::min(kPiece, bytes.size() - at);
      mpi_detail::check(MPI_Bcast(&bytes[at], static_cast<int>(len), MPI_CHAR, root, comm_), "MPI_Bcast");
    }
  }
  MPI_Comm handle() const { return comm_; }

 private:
  static constexpr std::size_t kPiece = std::size_t{1} << 30;  // MPI counts are int

  template <class S>
  void allreduce(S* x, std::size_t n, MPI_Datatype type) {
    for (std::size_t at = 0; at < n; at += kPiece) {
      const std::size_t len = std::min(kPiece, n - at);
      mpi_detail::check(MPI_Allreduce(MPI_IN_PLACE, x + at, static_cast<int>(len), type, MPI_SUM, comm_),
                        "MPI_Allreduce");
    }
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
};

GENATTN_NAMESPACE_END
