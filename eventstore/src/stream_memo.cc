#include "eventstore/stream_memo.h"

namespace proeftuin::eventstore {

absl::Status StreamMemoView::ReadStream(std::string_view stream,
                                        const std::function<bool(const RecordedEvent&)>& fn) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) {
    std::vector<RecordedEvent> events;
    absl::Status s = inner_.ReadStream(stream, [&events](const RecordedEvent& e) {
      events.push_back(e);
      return true;
    });
    if (!s.ok()) return s;  // not kept: a later read asks the wrapped view again
    it = streams_.emplace(std::string(stream), std::move(events)).first;
  }
  for (const RecordedEvent& e : it->second) {
    if (!fn(e)) break;
  }
  return absl::OkStatus();
}

}  // namespace proeftuin::eventstore
