// GoogleTest support for the domain's Given / When / Then tests: a matcher for rule errors and
// a fixture over an InMemoryLog. Header-only; include from *_test.cc only.
//
// Thread-safety: as GoogleTest fixtures (one test per thread).
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "domain/budget.h"
#include "domain/rules.h"
#include "domain/testing/builders.h"
#include "domain/testing/in_memory_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proeftuin::domain::testkit {

inline absl::Status StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches a Status or StatusOr with exactly this code whose message starts with this rule id.
MATCHER_P2(IsRuleError, code, rule,
           absl::StrCat(negation ? "is not" : "is", " an error ", absl::StatusCodeToString(code),
                        " naming ", rule)) {
  const absl::Status status = StatusOf(arg);
  *result_listener << "the status is: " << status.ToString();
  return status.code() == code && RuleIdOf(status) == rule;
}

// Matches an OK Status or StatusOr, printing the error otherwise.
MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status status = StatusOf(arg);
  *result_listener << "the status is: " << status.ToString();
  return status.ok();
}

// The stored types of the events an execution appended, in order.
inline std::vector<std::string> Types(const Executed& executed) {
  std::vector<std::string> types;
  for (const LoggedEvent& e : executed.events) types.push_back(e.type);
  return types;
}

inline std::string T(const google::protobuf::Descriptor* descriptor) {
  return descriptor->full_name();
}

class DomainTest : public ::testing::Test {
 protected:
  // Given: events appended without deciding.
  void GivenProgramme(std::initializer_list<v1::ProgrammeEvent> events) {
    for (const auto& e : events) log_.AppendProgrammeEvent(kPid, e);
  }
  void GivenExperiment(const std::string& eid, std::initializer_list<v1::ExperimentEvent> events) {
    for (const auto& e : events) log_.AppendExperimentEvent(kPid, eid, e);
  }
  void GivenAdoptedProgramme() {
    GivenProgramme({DraftedEvent(), SubmittedEvent(), AdoptedEvent()});
  }
  // Proposed and selected with EUR 20,000 in 2025 (the allocation also on the programme).
  void GivenSelected(const std::string& eid) {
    GivenExperiment(eid, {ProposedEvent(eid), SelectedEvent({YearEur(2025, 20'000)})});
    GivenProgramme({AllocatedEvent(eid, {YearEur(2025, 20'000)})});
  }
  void GivenStarted(const std::string& eid) {
    GivenSelected(eid);
    GivenExperiment(eid, {StartedEvent()});
  }

  // When: a command decided at TestNow() and appended when it succeeds.
  absl::StatusOr<Executed> When(const v1::Command& command) {
    return log_.Execute(command, TestNow());
  }

  const v1::ProgrammeState& Programme() const { return *log_.Programme(kPid); }
  const v1::ExperimentState& Experiment(const std::string& eid) const {
    return *log_.Experiment(kPid, eid);
  }

  InMemoryLog log_;
};

}  // namespace proeftuin::domain::testkit
