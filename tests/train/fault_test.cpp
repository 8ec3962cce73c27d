// Faults while a checkpoint is written: a process killed (SIGKILL) at a
// random moment of a save, many times, always leaves the previous checkpoint
// loadable; a file-size limit (RLIMIT_FSIZE) during a save gives a clear
// error and the old checkpoint survives.
#include <gtest/gtest.h>

#include <genattn/core/rng.hpp>
#include <genattn/train/checkpoint.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "../support/temp_dir.hpp"

using namespace genattn;

namespace {

// A checkpoint of about 8 MB, so a save takes long enough to be interrupted.
Checkpoint big_checkpoint(std::uint64_t generation) {
  Checkpoint c;
  c.config = {{"generation", static_cast<std::int64_t>(generation)}};
  c.slots = {{"w", 1000, 1000}};
  c.values.assign(1000000, static_cast<double>(generation));
  c.state = {{"generation", generation}};
  return c;
}

std::uint64_t generation_of(const std::string& path) {
  const Checkpoint c = load_checkpoint(path);
  const std::uint64_t g = c.state_word("generation");
  // the values belong to the same save as the state word
  EXPECT_EQ(c.values.size(), 1000000u);
  EXPECT_EQ(c.values.front(), static_cast<double>(g));
  EXPECT_EQ(c.values.back(), static_cast<double>(g));
  return g;
}

}  // namespace

TEST(Faults, KillDuringSaveAlwaysLeavesThePreviousCheckpointLoadable) {
  genattn_test::TempDir dir("genattn-kill");
  const std::string path = dir.file("model.ckpt");
  save_checkpoint(path, big_checkpoint(0));
  std::uint64_t last_seen = 0;  // the newest generation found after a kill
  int killed_mid_write = 0;  // rounds whose kill left a temporary file: it hit a write
  // encoded once, before forking: the child's time goes to writing
  std::vector<std::vector<unsigned char>> bytes;
  for (std::uint64_t g = 1; g <= 3; ++g) bytes.push_back(encode_checkpoint(big_checkpoint(g)));
  Rng rng(11);
  for (int round = 0; round < 40; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // writes generations 1, 2, 3, 1, ... until it is killed
      for (std::size_t k = 0;; ++k) write_file_atomically(path, bytes[k % 3].data(), bytes[k % 3].size(), "checkpoint");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(1000 + rng.below(30000)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "round " << round;
    const std::uint64_t g = generation_of(path);  // throws (fails) when torn
    EXPECT_LE(g, 3u) << "round " << round;
    last_seen = std::max(last_seen, g);
    for (const auto& e : std::filesystem::directory_iterator(dir.path))  // leftovers of the killed save
      if (e.path().filename() != "model.ckpt") {
        std::filesystem::remove(e.path());
        ++killed_mid_write;
      }
  }
  EXPECT_GT(last_seen, 0u);           // some saves completed between kills
  EXPECT_GT(killed_mid_write, 10);    // and most kills landed inside a write
}

TEST(Faults, FileSizeLimitGivesAClearErrorAndKeepsTheOldCheckpoint) {
  genattn_test::TempDir dir("genattn-fsize");
  const std::string path = dir.file("model.ckpt");
  save_checkpoint(path, big_checkpoint(1));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG instead of killing
    const rlimit limit{1 << 20, 1 << 20};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::string message = "(no error)";
    try {
      save_checkpoint(path, big_checkpoint(2));
    } catch (const CheckpointError& e) {
      message = e.what();
    }
    if (::write(fds[1], message.data(), message.size()) < 0) ::_exit(2);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string message;
  char buf[512];
  for (::ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(message, "cannot write checkpoint " + path + ": File too large; the previous file is unchanged");
  EXPECT_EQ(generation_of(path), 1u);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);  // the partial temporary file was removed
}
