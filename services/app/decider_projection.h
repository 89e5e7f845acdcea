// DeciderStateProjector: the inline projection "decider_state" that keeps the deciders' state
// per stream (ENGINEERING.md §1), so a command never replays its stream.
//
// Rows: "p/<programme-id>" -> v1::ProgrammeState, "e/<programme-id>/<experiment-id>" ->
// v1::ExperimentState (serialized). Scanning "e/<programme-id>/" lists a programme's
// experiments; scanning "p/" lists programmes.
//
// Thread-safety: called by the store's writer thread only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "eventstore/event_store.h"
#include "eventstore/projection.h"
#include "proeftuin/v1/state.pb.h"

namespace proeftuin::app {

inline constexpr char kDeciderStateProjection[] = "decider_state";

std::string ProgrammeKey(std::string_view programme_id);
std::string ExperimentKey(std::string_view programme_id, std::string_view experiment_id);
std::string ExperimentPrefix(std::string_view programme_id);

class DeciderStateProjector : public eventstore::Projector {
 public:
  std::string Name() const override { return kDeciderStateProjection; }
  uint32_t Version() const override { return 1; }
  void Apply(const eventstore::RecordedEvent& event, eventstore::ProjectionWriter& rows) override;
};

// Reads decider state from a view. NOT_FOUND-free: absent objects are nullopt.
absl::StatusOr<std::optional<v1::ProgrammeState>> LoadProgramme(eventstore::ReadView& view,
                                                                std::string_view programme_id);
absl::StatusOr<std::optional<v1::ExperimentState>> LoadExperiment(eventstore::ReadView& view,
                                                                  std::string_view programme_id,
                                                                  std::string_view experiment_id);
absl::StatusOr<std::vector<v1::ExperimentState>> LoadExperiments(eventstore::ReadView& view,
                                                                 std::string_view programme_id);

}  // namespace proeftuin::app
