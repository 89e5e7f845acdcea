// libFuzzer target: the slim decode of stored event payloads (services/domain/fold_decode.cc)
// against protobuf's whole parse. The first byte picks the stored type (an activity or an
// expenditure, the kinds it reads itself), the rest is the payload. Whatever the bytes,
// DecodeExperimentEventForFold must give DecodeExperimentEventInto's status, and where both
// decode, folding either event into a state without remembering the repeating kinds must give
// the same state.
#include <google/protobuf/stubs/logging.h>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "domain/decider.h"
#include "domain/streams.h"

// Invalid UTF-8 in a string field is an expected rejection, not news: keep protobuf quiet.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view type = data[0] % 2 == 0 ? "proeftuin.v1.ActivityRecorded"
                                                 : "proeftuin.v1.ExpenditureRecorded";
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  proeftuin::v1::ExperimentEvent whole, slim;
  const absl::Status w = proeftuin::domain::DecodeExperimentEventInto(type, payload, &whole);
  const absl::Status s = proeftuin::domain::DecodeExperimentEventForFold(type, payload, &slim);
  if (w.code() != s.code() || w.message() != s.message()) std::abort();
  if (!w.ok()) return 0;
  proeftuin::domain::EventContext context;
  context.global_position = 9;
  context.stream_version = 3;
  context.remember_repeating = false;
  proeftuin::v1::ExperimentState a, b;
  a.set_participant_count(7);
  a.mutable_spent()->set_cents(100);
  b = a;
  proeftuin::domain::EvolveInPlace(&a, whole, context);
  proeftuin::domain::EvolveInPlace(&b, slim, context);
  if (a.SerializeAsString() != b.SerializeAsString()) std::abort();
  return 0;
}
