#include "cli/progress.h"

#include <chrono>
#include <cstdio>

namespace proeftuin::cli {

void ProgressBar::Update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  constexpr int kWidth = 30;
  int filled = total == 0 ? 0 : static_cast<int>(kWidth * std::min(done, total) / total);
  std::string bar(filled, '#');
  bar += std::string(kWidth - filled, '-');
  if (total == 0) {
    std::fprintf(stderr, "\r%s %llu", label_.c_str(), static_cast<unsigned long long>(done));
  } else {
    std::fprintf(stderr, "\r%s [%s] %3d%%  %llu/%llu", label_.c_str(), bar.c_str(),
                 static_cast<int>(100 * std::min(done, total) / total), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
  }
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (drawn_) std::fputs("\n", stderr);
  drawn_ = false;
}

Spinner::Spinner(std::string label, bool enabled) : label_(std::move(label)) {
  if (!enabled) return;
  thread_ = std::thread([this] {
    static const char* const kFrames[] = {"|", "/", "-", "\\"};
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; !stop_.load(); ++i) {
      auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "\r%s %s %llds", label_.c_str(), kFrames[i % 4], static_cast<long long>(s));
      std::fflush(stderr);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fputs("\n", stderr);
  });
}

void Spinner::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace proeftuin::cli
