#include "app/decider_projection.h"

#include "domain/decider.h"
#include "domain/streams.h"

namespace proeftuin::app {
namespace {

domain::EventContext ContextOf(const eventstore::RecordedEvent& e) {
  domain::EventContext c;
  c.global_position = e.header.position();
  c.stream_version = e.header.stream_version();
  c.recorded_at = absl::FromUnixMicros(e.header.recorded_at_us());
  c.occurred_on = e.header.occurred_on();
  return c;
}

template <typename State>
State Parse(const std::optional<std::string>& bytes) {
  State s;
  if (bytes.has_value()) s.ParseFromString(*bytes);
  return s;
}

template <typename State>
absl::StatusOr<std::optional<State>> Load(eventstore::ReadView& view, const std::string& key) {
  auto v = view.Get(kDeciderStateProjection, key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<State>();
  State s;
  if (!s.ParseFromString(**v)) return absl::DataLossError("decider state " + key + " is corrupt");
  return std::optional<State>(std::move(s));
}

}  // namespace

std::string ProgrammeKey(std::string_view programme_id) {
  return "p/" + std::string(programme_id);
}

std::string ExperimentKey(std::string_view programme_id, std::string_view experiment_id) {
  return ExperimentPrefix(programme_id) + std::string(experiment_id);
}

std::string ExperimentPrefix(std::string_view programme_id) {
  return "e/" + std::string(programme_id) + "/";
}

void DeciderStateProjector::Apply(const eventstore::RecordedEvent& e,
                                  eventstore::ProjectionWriter& rows) {
  auto ids = domain::ParseStream(e.header.stream());
  if (!ids.has_value()) return;  // principal streams and others: not decider state
  if (ids->experiment_id.empty()) {
    auto event = domain::DecodeProgrammeEvent(e.header.type(), e.payload);
    if (!event.ok()) return;
    std::string key = ProgrammeKey(ids->programme_id);
    auto state = Parse<v1::ProgrammeState>(rows.Get(key));
    rows.Put(key, domain::Evolve(std::move(state), *event, ContextOf(e)).SerializeAsString());
  } else {
    auto event = domain::DecodeExperimentEvent(e.header.type(), e.payload);
    if (!event.ok()) return;
    std::string key = ExperimentKey(ids->programme_id, ids->experiment_id);
    auto state = Parse<v1::ExperimentState>(rows.Get(key));
    rows.Put(key, domain::Evolve(std::move(state), *event, ContextOf(e)).SerializeAsString());
  }
}

absl::StatusOr<std::optional<v1::ProgrammeState>> LoadProgramme(eventstore::ReadView& view,
                                                                std::string_view programme_id) {
  return Load<v1::ProgrammeState>(view, ProgrammeKey(programme_id));
}

absl::StatusOr<std::optional<v1::ExperimentState>> LoadExperiment(eventstore::ReadView& view,
                                                                  std::string_view programme_id,
                                                                  std::string_view experiment_id) {
  return Load<v1::ExperimentState>(view, ExperimentKey(programme_id, experiment_id));
}

absl::StatusOr<std::vector<v1::ExperimentState>> LoadExperiments(eventstore::ReadView& view,
                                                                 std::string_view programme_id) {
  std::vector<v1::ExperimentState> out;
  bool corrupt = false;
  absl::Status s = view.Scan(kDeciderStateProjection, ExperimentPrefix(programme_id), "",
                             [&](std::string_view, std::string_view v) {
                               v1::ExperimentState st;
                               corrupt |= !st.ParseFromArray(v.data(), static_cast<int>(v.size()));
                               out.push_back(std::move(st));
                               return true;
                             });
  if (!s.ok()) return s;
  if (corrupt) return absl::DataLossError("an experiment state of " + std::string(programme_id) + " is corrupt");
  return out;
}

}  // namespace proeftuin::app
