// A ReadView that reads each stream from the log once, for a query that reads one stream twice
// (GetExperiment: the experiment's correctable events, then its history).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/event_store.h"
#include "eventstore/projection.h"

namespace proeftuin::eventstore {

// The first ReadStream of a stream reads it whole from the wrapped view (on past where fn
// stops) and keeps its events; later ReadStreams of it are answered from them. Everything else
// goes to the wrapped view, which must outlive this one. For one query on one thread: it holds
// the streams it read until it is destroyed.
class StreamMemoView : public ReadView {
 public:
  explicit StreamMemoView(ReadView& inner) : inner_(inner) {}

  uint64_t position() const override { return inner_.position(); }
  absl::StatusOr<std::optional<std::string>> Get(std::string_view projection,
                                                 std::string_view key) override {
    return inner_.Get(projection, key);
  }
  absl::Status Scan(std::string_view projection, std::string_view prefix, std::string_view start_after,
                    const std::function<bool(std::string_view key, std::string_view value)>& fn) override {
    return inner_.Scan(projection, prefix, start_after, fn);
  }
  absl::StatusOr<uint64_t> ProjectionPosition(std::string_view projection) override {
    return inner_.ProjectionPosition(projection);
  }
  absl::Status ReadStream(std::string_view stream,
                          const std::function<bool(const RecordedEvent&)>& fn) override;
  absl::StatusOr<std::optional<RecordedEvent>> EventAt(uint64_t position) override {
    return inner_.EventAt(position);
  }

 private:
  ReadView& inner_;
  std::map<std::string, std::vector<RecordedEvent>, std::less<>> streams_;
};

}  // namespace proeftuin::eventstore
