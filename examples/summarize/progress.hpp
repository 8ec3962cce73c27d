// examples/summarize/progress.hpp: training progress on stderr.
//
// On a terminal: one line redrawn at most 5 times a second,
//   epoch 2  [########............]  812/1718  loss 3.412  24103 tok/s  ETA 1:53
// Otherwise (a log file, CI): a plain line every `log_every` steps.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace summarize {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  Progress(bool enabled, int log_every) : tty_(enabled && ::isatty(STDERR_FILENO) == 1), log_every_(log_every) {}

  void start_epoch(std::uint64_t epoch, std::size_t steps, std::size_t done) {
    epoch_ = epoch;
    steps_ = steps;
    done_ = done;
    first_ = done;
    loss_sum_ = 0.0;
    loss_n_ = 0;
    tokens_ = 0;
    start_ = last_draw_ = Clock::now();
  }

  /// One step: its loss (mean per token) and the tokens it processed.
  void step(double loss, std::size_t tokens) {
    ++done_;
    loss_sum_ += loss;
    ++loss_n_;
    tokens_ += tokens;
    const auto now = Clock::now();
    if (tty_) {
      if (now - last_draw_ >= std::chrono::milliseconds(200) || done_ == steps_) draw(now);
    } else if (log_every_ > 0 && (done_ % static_cast<std::size_t>(log_every_) == 0 || done_ == steps_)) {
      std::fprintf(stderr, "%s\n", line(now).c_str());
      loss_sum_ = 0.0;
      loss_n_ = 0;
    }
  }

  /// Ends the redrawn line before other output.
  void pause() {
    if (tty_ && drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
  }

 private:
  /// "epoch E[  BAR]  done/steps  loss L  R tok/s  ETA m:ss"
  std::string line(Clock::time_point now, const std::string& bar = "") const {
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(tokens_) / secs : 0.0;
    const double per_step = done_ > first_ ? secs / static_cast<double>(done_ - first_) : 0.0;
    const auto eta = static_cast<long>(per_step * static_cast<double>(steps_ - done_));
    char buf[160];
    std::snprintf(buf, sizeof buf, "epoch %llu%s  %zu/%zu  loss %.3f  %.0f tok/s  ETA %ld:%02ld",
                  static_cast<unsigned long long>(epoch_), bar.c_str(), done_, steps_, loss_n_ ? loss_sum_ / static_cast<double>(loss_n_) : 0.0,
                  rate, eta / 60, eta % 60);
    return buf;
  }

  void draw(Clock::time_point now) {
    constexpr int width = 20;
    const int filled = steps_ ? static_cast<int>(width * done_ / steps_) : width;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s\033[K", line(now, "  [" + bar + "]").c_str());
    std::fflush(stderr);
    drawn_ = true;
    last_draw_ = now;
  }

  bool tty_;
  int log_every_;
  bool drawn_ = false;
  std::uint64_t epoch_ = 0;
  std::size_t steps_ = 0, done_ = 0, first_ = 0, tokens_ = 0, loss_n_ = 0;
  double loss_sum_ = 0.0;
  Clock::time_point start_, last_draw_;
};

}  // namespace summarize
