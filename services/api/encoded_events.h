// EncodedEvents: the API wire form of recently delivered events (a serialized v1::Event), made
// once per event and outcome (whole or redacted) and shared by every subscription that
// delivers it. With 100 live subscribers each event used to be converted, serialized and
// freed 100 times.
//
// A slot is found by position and checked against the event's chain hash, so a position whose
// first append failed and was written again later can never be served from a stale slot.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "eventstore/event_store.h"
#include "proeftuin/v1/event_service.pb.h"

namespace proeftuin::api {

using EncodedEvent = std::shared_ptr<const std::string>;

class EncodedEvents {
 public:
  explicit EncodedEvents(size_t slots = 8192);

  // ToApiEvent(e, whole), serialized.
  EncodedEvent Get(const eventstore::RecordedEvent& e, bool whole);

 private:
  struct Slot {
    uint64_t position = 0;
    eventstore::Digest hash{};
    EncodedEvent variant[2];  // [0] redacted, [1] cleared
  };
  absl::Mutex mu_;
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
};

// Sets `out` to a response with `events` (serialized v1::Event) as its `events` batch, or as its
// single `event` when `batch` is false (then `events` holds one). The bytes are copied into the
// message's unknown fields, which serialize verbatim: a client parses the same message as when
// the fields were set one by one, without a parse and re-serialization on the server.
void SetEncodedEvents(const std::vector<EncodedEvent>& events, bool batch,
                      v1::SubscribeResponse* out);

}  // namespace proeftuin::api
