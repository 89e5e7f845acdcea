// Queries of programmes and experiments (ProgrammeService Get/List): read the decider state
// from one snapshot, as of a committed position, filtered by the caller's clearance (objects
// above it are NOT_FOUND and left out of lists: their existence is not revealed).
//
// Thread-safety: thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::app {

// True when `level` is at or below `clearance` (unset counts as openbaar).
bool Cleared(v1::Confidentiality level, v1::Confidentiality clearance);

class Queries {
 public:
  explicit Queries(eventstore::EventStore* store) : store_(store) {}

  // NOT_FOUND (unknown or above clearance), INVALID_ARGUMENT (bad page token / size),
  // DEADLINE_EXCEEDED (min_position not reached by `deadline`).
  absl::StatusOr<v1::GetProgrammeResponse> GetProgramme(const v1::GetProgrammeRequest& r,
                                                        v1::Confidentiality clearance,
                                                        absl::Time deadline);
  absl::StatusOr<v1::ListProgrammesResponse> ListProgrammes(const v1::ListProgrammesRequest& r,
                                                            v1::Confidentiality clearance,
                                                            absl::Time deadline);
  absl::StatusOr<v1::GetExperimentResponse> GetExperiment(const v1::GetExperimentRequest& r,
                                                          v1::Confidentiality clearance,
                                                          absl::Time deadline);
  absl::StatusOr<v1::ListExperimentsResponse> ListExperiments(const v1::ListExperimentsRequest& r,
                                                              v1::Confidentiality clearance,
                                                              absl::Time deadline);

 private:
  absl::StatusOr<std::unique_ptr<eventstore::ReadView>> ViewAt(uint64_t min_position,
                                                               absl::Time deadline);
  eventstore::EventStore* store_;
};

// Page size: default 50, at most 500; INVALID_ARGUMENT when negative.
absl::StatusOr<int> PageSize(int requested);

}  // namespace proeftuin::app
