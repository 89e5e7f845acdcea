#include "api/encoded_events.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/unknown_field_set.h>

#include "api/event_service.h"

namespace proeftuin::api {

EncodedEvents::EncodedEvents(size_t slots) : slots_(std::max<size_t>(slots, 1)) {}

EncodedEvent EncodedEvents::Get(const eventstore::RecordedEvent& e, bool whole) {
  const int variant = whole ? 1 : 0;
  const uint64_t position = e.position();
  {
    absl::MutexLock l(&mu_);
    Slot& s = slots_[position % slots_.size()];
    if (s.position == position && s.hash == e.hash && s.variant[variant]) return s.variant[variant];
  }
  auto encoded = std::make_shared<const std::string>(ToApiEvent(e, whole).SerializeAsString());
  absl::MutexLock l(&mu_);
  Slot& s = slots_[position % slots_.size()];
  if (s.position != position || s.hash != e.hash) s = Slot{position, e.hash, {}};
  s.variant[variant] = encoded;
  return encoded;
}

namespace {

using google::protobuf::io::CodedOutputStream;

// Appends a length-delimited field: its tag (field number, wire type 2), length and bytes.
void AppendField(int number, const std::string& bytes, std::string* out) {
  uint8_t head[10];
  uint8_t* end = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(number << 3 | 2), head);
  end = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(bytes.size()), end);
  out->append(reinterpret_cast<const char*>(head), static_cast<size_t>(end - head));
  out->append(bytes);
}

}  // namespace

void SetEncodedEvents(const std::vector<EncodedEvent>& events, bool batch,
                      v1::SubscribeResponse* out) {
  out->Clear();
  google::protobuf::UnknownFieldSet* unknown = out->GetReflection()->MutableUnknownFields(out);
  if (!batch) {
    // SubscribeResponse.event = 1
    unknown->AddLengthDelimited(v1::SubscribeResponse::kEventFieldNumber, *events.at(0));
    return;
  }
  size_t size = 0;
  for (const auto& e : events) size += e->size() + 6;
  std::string* batch_bytes = unknown->AddLengthDelimited(v1::SubscribeResponse::kEventsFieldNumber);
  batch_bytes->reserve(size);
  for (const auto& e : events) AppendField(v1::EventBatch::kEventsFieldNumber, *e, batch_bytes);
}

}  // namespace proeftuin::api
