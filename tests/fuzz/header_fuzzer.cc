// libFuzzer target: the header scan of the verifier and of ReadAllViews (ScanHeaderLinks)
// reads untrusted stored bytes.
// It must never crash, and whenever protobuf parses the same bytes as an EventHeader, the scan
// must agree with it on every field the scan reads (position, stream, type, confidentiality,
// previous hash, has_personal); so must the rebuild's scan of the header's place
// (ScanHeaderPlace) on the fields it reads, whenever it reads the bytes at all.
#include <google/protobuf/stubs/logging.h>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eventstore/event_store.h"
#include "eventstore/record.h"
#include "proeftuin/v1/store.pb.h"

// Invalid UTF-8 in a string field is an expected rejection, not news: keep protobuf quiet.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  proeftuin::eventstore::HeaderLinks links;
  bool scanned = proeftuin::eventstore::ScanHeaderLinks(bytes, &links);
  proeftuin::v1::EventHeader h;
  if (h.ParseFromArray(data, static_cast<int>(size))) {
    if (!scanned) std::abort();
    if (links.position != h.position() || links.previous_hash != h.previous_hash() ||
        links.has_personal != h.has_personal() || links.stream != h.stream() ||
        links.type != h.type() || links.confidentiality != h.confidentiality()) {
      std::abort();
    }
  }
  // The rebuild's scan of the header's place: whenever both read the bytes, the same values.
  proeftuin::eventstore::HeaderPlace place;
  if (proeftuin::eventstore::ScanHeaderPlace(bytes, &place) && h.ParseFromArray(data, static_cast<int>(size))) {
    proeftuin::v1::Date date;
    if (place.has_occurred_on != h.has_occurred_on() ||
        (place.has_occurred_on &&
         (!date.ParseFromArray(place.occurred_on.data(), static_cast<int>(place.occurred_on.size())) ||
          date.SerializeAsString() != h.occurred_on().SerializeAsString()))) {
      std::abort();
    }
    if (place.position != h.position() || place.stream != h.stream() ||
        place.stream_version != h.stream_version() || place.type != h.type() ||
        place.schema_version != h.schema_version() || place.recorded_at_us != h.recorded_at_us() ||
        place.confidentiality != h.confidentiality() || place.has_personal != h.has_personal()) {
      std::abort();
    }
  }
  // Digest strings from users (audit verify --digest) are parsed too.
  (void)proeftuin::eventstore::ChainDigest::Parse(bytes);
  return 0;
}
