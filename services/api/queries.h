// Queries of programmes and experiments (ProgrammeService Get/List and the views): read the
// decider state and the views (services/views) from one snapshot, as of a committed position,
// filtered by the caller's clearance (objects above it are NOT_FOUND and left out of lists:
// their existence is not revealed). Clock-dependent facts use the time of the query.
//
// Thread-safety: thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::api {

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
  absl::StatusOr<v1::GetProgressReportResponse> GetProgressReport(
      const v1::GetProgressReportRequest& r, v1::Confidentiality clearance, absl::Time deadline);
  absl::StatusOr<v1::GetProgrammeChainResponse> GetProgrammeChain(
      const v1::GetProgrammeChainRequest& r, v1::Confidentiality clearance, absl::Time deadline);

 private:
  absl::StatusOr<std::unique_ptr<eventstore::ReadView>> ViewAt(uint64_t min_position,
                                                               absl::Time deadline);
  eventstore::EventStore* store_;
};

}  // namespace proeftuin::api
