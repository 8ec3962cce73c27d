// A consumer of genattn::mpi through the installed package: two ranks
// start MPI, agree on a value, and find one that differs.
#include <genattn/distributed/mpi.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  genattn::MpiSession session(&argc, &argv);
  genattn::MpiCommunicator world;
  double x[2] = {1.0, static_cast<double>(world.rank())};
  world.sum(x, 2);
  if (x[0] != world.size()) return 1;
  genattn::check_same_on_ranks(world, "setting", 7);
  bool refused = false;
  try {
    genattn::check_same_on_ranks(world, "setting", static_cast<std::uint64_t>(world.rank()));
  } catch (const genattn::RanksDiffer&) {
    refused = true;
  }
  if (world.size() > 1 && !refused) return 1;
  if (world.rank() == 0) std::printf("genattn::mpi: %d ranks\n", world.size());
  return 0;
}
