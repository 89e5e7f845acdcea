// Queries of programmes and experiments (ProgrammeService Get/List and the views): read the
// decider state and the views (services/views) from one snapshot, as of a committed position,
// filtered by the caller's clearance (objects above it are NOT_FOUND and left out of lists:
// their existence is not revealed). Clock-dependent facts use the time of the query.
//
// Thread-safety: thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/programme_cache.h"
#include "eventstore/event_store.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::api {

// Who asks and until when: the caller's clearance, the deadline of the call, and the read view
// the caller's authentication used. A query reads from that view when it is at or past the
// request's min_position (one snapshot per request instead of two), else waits for the
// position and opens its own.
struct QueryScope {
  v1::Confidentiality clearance = v1::CONFIDENTIALITY_OPENBAAR;
  absl::Time deadline = absl::InfiniteFuture();
  std::shared_ptr<eventstore::ReadView> view;  // may be null
};

class Queries {
 public:
  // `cache_bytes`: memory for GetProgramme responses (api/programme_cache.h); 0 turns it off.
  explicit Queries(eventstore::EventStore* store, size_t cache_bytes = 16 << 20)
      : store_(store), programmes_(cache_bytes) {}

  // NOT_FOUND (unknown or above clearance), INVALID_ARGUMENT (bad page token / size),
  // DEADLINE_EXCEEDED (min_position not reached by `deadline`).
  absl::StatusOr<v1::GetProgrammeResponse> GetProgramme(const v1::GetProgrammeRequest& r,
                                                        const QueryScope& scope);
  // GetProgramme for the RPC: a cache hit is answered with the stored bytes, placed in `out`'s
  // unknown fields (they serialize verbatim) followed by this reader's as_of positions, which a
  // parser takes over the stored ones (the last value of a field wins, and a repeated embedded
  // message is merged). A client parses the same response as from GetProgramme, without the
  // server parsing and serializing it again. Not for in-process readers: on a hit the fields of
  // `out` read as unset.
  absl::Status GetProgrammeToSend(const v1::GetProgrammeRequest& r, const QueryScope& scope,
                                  v1::GetProgrammeResponse* out);
  absl::StatusOr<v1::ListProgrammesResponse> ListProgrammes(const v1::ListProgrammesRequest& r,
                                                            const QueryScope& scope);
  absl::StatusOr<v1::GetExperimentResponse> GetExperiment(const v1::GetExperimentRequest& r,
                                                          const QueryScope& scope);
  absl::StatusOr<v1::ListExperimentsResponse> ListExperiments(const v1::ListExperimentsRequest& r,
                                                              const QueryScope& scope);
  absl::StatusOr<v1::GetProgressReportResponse> GetProgressReport(
      const v1::GetProgressReportRequest& r, const QueryScope& scope);
  absl::StatusOr<v1::GetProgrammeChainResponse> GetProgrammeChain(
      const v1::GetProgrammeChainRequest& r, const QueryScope& scope);

  // GetProgramme responses served from the cache so far.
  size_t cached_programme_hits() const { return programmes_.hits(); }

 private:
  absl::StatusOr<std::shared_ptr<eventstore::ReadView>> ViewAt(uint64_t min_position,
                                                               const QueryScope& scope);
  // Both GetProgramme forms; `to_send` selects the stored-bytes answer on a cache hit.
  absl::Status AnswerGetProgramme(const v1::GetProgrammeRequest& r, const QueryScope& scope,
                                  bool to_send, v1::GetProgrammeResponse* out);
  eventstore::EventStore* store_;
  ProgrammeCache programmes_;
};

}  // namespace proeftuin::api
