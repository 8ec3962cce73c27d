// tests/support/serve_process.hpp: `summarize serve` as a child process on
// a free loopback port, for the server's tests and its load benchmark.
//
//   ServeProcess server(binary, {"--model", dir, "--max-batch", "16"});
//   httplib::Client client("127.0.0.1", server.port());
//   ...
//   server.signal(SIGTERM);
//   EXPECT_EQ(server.wait(), 0);
//
// The server is started with --port 0 and prints the port it took on its
// first stdout line; its stderr goes to a file (stderr_text()). A server
// still running when the object goes is killed (SIGKILL), so a failed test
// leaves no process behind.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace genattn_test {

class ServeProcess {
 public:
  /// Starts `binary serve --host 127.0.0.1 --port 0 args...`; throws
  /// std::runtime_error (with the server's stderr) when it does not print
  /// its port within `startup`.
  ServeProcess(const std::string& binary, const std::vector<std::string>& args, const std::string& stderr_path,
               std::chrono::seconds startup = std::chrono::seconds(120))
      : stderr_path_(stderr_path) {
    std::vector<std::string> argv_s = {binary, "serve", "--host", "127.0.0.1", "--port", "0"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      throw std::runtime_error("cannot start " + binary);
    }
    stdout_ = out[0];
    const std::string line = read_line(startup);
    const auto colon = line.rfind(':');
    if (line.find("serving") == std::string::npos || colon == std::string::npos) {
      kill();
      throw std::runtime_error("the server did not start: '" + line + "'; its stderr: " + stderr_text());
    }
    port_ = std::stoi(line.substr(colon + 1));
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ~ServeProcess() {
    kill();
    if (stdout_ >= 0) ::close(stdout_);
  }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  void signal(int sig) const { ::kill(pid_, sig); }

  /// Waits for the server to exit, at most `limit` (then kills it): its exit
  /// status, or 128 + the signal that ended it.
  int wait(std::chrono::seconds limit = std::chrono::seconds(120)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (running_) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        running_ = false;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() > end) {
        kill();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
  }

  std::string stderr_text() const {
    std::ifstream in(stderr_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string read_line(std::chrono::seconds limit) {
    std::string line;
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c = 0;
      if (::read(stdout_, &c, 1) != 1) break;  // the server exited
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }

  void kill() {
    if (!running_) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    running_ = false;
    status_ = 128 + SIGKILL;
  }

  std::string stderr_path_;
  pid_t pid_ = -1;
  int stdout_ = -1;
  int port_ = -1;
  bool running_ = true;
  int status_ = -1;
};

}  // namespace genattn_test
