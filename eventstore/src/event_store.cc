// The small value types of the EventStore interface.
#include "eventstore/event_store.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace proeftuin::eventstore {

std::string ExpectedVersion::ToString() const {
  switch (kind) {
    case Kind::kAny:
      return "ANY";
    case Kind::kNoStream:
      return "NO_STREAM";
    case Kind::kStreamExists:
      return "STREAM_EXISTS";
    case Kind::kExact:
      return "EXACT " + std::to_string(version);
  }
  return "?";
}

bool EventFilter::Matches(std::string_view stream, std::string_view type) const {
  if (!stream.starts_with(stream_prefix)) return false;
  if (types.empty()) return true;
  for (const auto& t : types) {
    if (type == t) return true;
  }
  return false;
}

absl::Status EventView::ParseHeader(v1::EventHeader* header) const {
  if (!header->ParseFromArray(header_bytes.data(), static_cast<int>(header_bytes.size()))) {
    return absl::DataLossError("position " + std::to_string(position) + ": header does not parse");
  }
  return absl::OkStatus();
}

absl::StatusOr<RecordedEvent> EventView::Decode() const {
  RecordedEvent e;
  if (absl::Status s = ParseHeader(&e.header); !s.ok()) return s;
  e.payload.assign(payload);
  if (personal.has_value()) e.personal.emplace(*personal);
  e.personal_digest = personal_digest;
  e.hash = hash;
  return e;
}

void EventPage::Clear() {
  events.clear();
  next_position = 0;
  end_of_log = false;
  // A block made for a record larger than a block is not kept for the next fill.
  std::erase_if(blocks_, [](const Block& b) { return b.capacity > kBlockBytes; });
  for (Block& b : blocks_) b.used = 0;
  current_ = 0;
}

std::string_view EventPage::Copy(std::string_view bytes) {
  while (current_ < blocks_.size() &&
         blocks_[current_].capacity - blocks_[current_].used < bytes.size()) {
    ++current_;
  }
  if (current_ == blocks_.size()) {
    // 64 KiB first, doubling to 1 MiB: a page of one event does not take a megabyte.
    size_t grow = std::min(kBlockBytes, kFirstBlockBytes << std::min<size_t>(blocks_.size(), 8));
    Block& b = blocks_.emplace_back();
    b.capacity = std::max(grow, bytes.size());
    b.bytes = std::make_unique_for_overwrite<char[]>(b.capacity);
  }
  Block& b = blocks_[current_];
  char* at = b.bytes.get() + b.used;
  if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
  b.used += bytes.size();
  return std::string_view(at, bytes.size());
}

std::string ChainDigest::ToString() const { return std::to_string(position) + ":" + ToHex(hash); }

absl::StatusOr<ChainDigest> ChainDigest::Parse(std::string_view s) {
  auto bad = absl::InvalidArgumentError("digest: expected POSITION:HASH (64 hex digits), e.g. 42:" +
                                        std::string(64, '0'));
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return bad;
  ChainDigest d;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + colon, d.position);
  if (ec != std::errc() || ptr != s.data() + colon) return bad;
  if (!FromHex(s.substr(colon + 1), &d.hash)) return bad;
  return d;
}

}  // namespace proeftuin::eventstore
