// libFuzzer target: command decoding and validation. The input is the bytes of a
// proeftuin.v1.Command as a client could send them; it is decided against a realistic state
// (the example programme, run up to its adoption and a few experiments started) and, when
// accepted, folded back with Evolve. Decide must never crash or hang, and Evolve must take
// whatever Decide emitted.
#include <google/protobuf/stubs/logging.h>
#include <cstddef>
#include <cstdint>

#include "domain/decider.h"
#include "domain/example_programme.h"
#include "domain/streams.h"
#include "domain/testing/in_memory_log.h"

namespace {

using proeftuin::domain::testkit::InMemoryLog;

const InMemoryLog& Seeded() {
  static const InMemoryLog* log = [] {
    auto* l = new InMemoryLog();
    proeftuin::domain::ExamplePositions positions;
    for (auto& step : proeftuin::domain::ExampleProgrammeSteps()) {
      if (step.label == "activity-intake-1") break;  // adopted, experiments running
      if (!positions.Resolve(&step).ok()) break;
      if (!l->Execute(step.command, step.at).ok()) break;
    }
    return l;
  }();
  return *log;
}

}  // namespace

// Invalid UTF-8 in a string field is an expected rejection, not news: keep protobuf quiet.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  proeftuin::v1::Command command;
  if (!command.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto target = proeftuin::domain::TargetOf(command);
  if (!target.ok()) return 0;
  InMemoryLog log = Seeded();  // a copy: each input starts from the same state
  absl::Time now = absl::FromCivil(absl::CivilSecond(2024, 10, 1, 12, 0, 0), absl::UTCTimeZone());
  auto executed = log.Execute(command, now);
  if (executed.ok()) (void)log.events().size();
  return 0;
}
