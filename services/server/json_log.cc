#include "server/json_log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <mutex>

namespace proeftuin::server {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  }
  return n;
}

void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report a failed log write
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

thread_local int batch_depth = 0;
thread_local std::string batch_lines;

// Lines to a file descriptor (stderr), one write each; on a thread inside a log batch, kept and
// written together when the batch ends. This logger's writes do not interleave with each other
// (one at a time); other writers of the descriptor (gRPC, abseil) are not held back.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LineSink(int fd) : fd_(fd) {}
  void WriteBatch(const std::string& lines) {
    std::lock_guard<std::mutex> lock(mutex_);
    WriteAll(fd_, lines.data(), lines.size());
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    if (batch_depth > 0) {
      batch_lines.append(formatted.data(), formatted.size());
      return;
    }
    WriteAll(fd_, formatted.data(), formatted.size());
  }
  void flush_() override {}  // nothing is buffered outside a batch

 private:
  const int fd_;
};

std::shared_ptr<LineSink> json_sink;  // set once, before any thread logs

}  // namespace

void SetUpJsonLogging(int fd) {
  json_sink = std::make_shared<LineSink>(fd);
  auto logger = std::make_shared<spdlog::logger>("proeftuind", json_sink);
  logger->set_pattern(R"j({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})j", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
  spdlog::flush_on(spdlog::level::info);
}

void BeginLogBatch() { ++batch_depth; }

void EndLogBatch() {
  if (batch_depth == 0 || --batch_depth > 0 || batch_lines.empty()) return;
  if (json_sink != nullptr) json_sink->WriteBatch(batch_lines);
  batch_lines.clear();
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->reserve(out->size() + s.size() + 2);
  *out += '"';
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      *out += buf;
    } else if (size_t n = Utf8Length(s, i); n > 0) {
      out->append(s.substr(i, n));
      i += n;
      continue;
    } else {
      *out += "\xEF\xBF\xBD";
    }
    ++i;
  }
  *out += '"';
}

}  // namespace proeftuin::server
