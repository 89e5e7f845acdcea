// A progress bar on stderr for long work (rebuild, backup, export): drawn only when stderr is
// a terminal, so scripts and logs stay clean.
//
// Thread-safety: Update/Finish from one thread; Spinner draws from its own thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace proeftuin::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}
  ~ProgressBar() { Finish(); }
  // "label [########------------]  40%  400/1000"; total 0 = unknown.
  void Update(uint64_t done, uint64_t total);
  // Ends the line.
  void Finish();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
};

// An indeterminate progress indicator for one blocking call ("label ⠋ 3 s").
class Spinner {
 public:
  Spinner(std::string label, bool enabled);
  ~Spinner() { Stop(); }
  void Stop();

 private:
  std::string label_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace proeftuin::cli
