#include "domain/testing/in_memory_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace proeftuin::domain::testkit {
namespace {

std::string Deterministic(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

EventContext ContextOf(const LoggedEvent& e) {
  EventContext context;
  context.global_position = e.position;
  context.stream_version = e.stream_version;
  context.recorded_at = absl::FromUnixSeconds(1'700'000'000 + static_cast<int64_t>(e.position));
  return context;
}

template <typename Decided>
void CopyHeader(const Decided& decided, LoggedEvent* logged) {
  logged->personal = decided.personal;
  logged->confidentiality = decided.confidentiality;
  logged->occurred_on = decided.occurred_on;
  logged->reason = decided.reason;
}

}  // namespace

LoggedEvent& InMemoryLog::AppendRaw(const std::string& stream, std::string type,
                                    std::string payload) {
  LoggedEvent& e = events_.emplace_back();
  e.position = events_.size();
  e.stream = stream;
  e.stream_version = next_version_[stream]++;
  e.type = std::move(type);
  e.payload = std::move(payload);
  return e;
}

uint64_t InMemoryLog::AppendProgrammeEvent(std::string_view programme_id,
                                           const v1::ProgrammeEvent& event) {
  const std::string stream = ProgrammeStream(programme_id);
  LoggedEvent& e = AppendRaw(stream, std::string(EventTypeName(event)), event.SerializeAsString());
  programmes_[stream] = Evolve(std::move(programmes_[stream]), event, ContextOf(e));
  return e.position;
}

uint64_t InMemoryLog::AppendExperimentEvent(std::string_view programme_id,
                                            std::string_view experiment_id,
                                            const v1::ExperimentEvent& event) {
  const std::string stream = ExperimentStream(programme_id, experiment_id);
  LoggedEvent& e = AppendRaw(stream, std::string(EventTypeName(event)), event.SerializeAsString());
  experiments_[stream] = Evolve(std::move(experiments_[stream]), event, ContextOf(e));
  return e.position;
}

absl::StatusOr<Executed> InMemoryLog::Execute(const v1::Command& command, absl::Time now) {
  absl::StatusOr<CommandTarget> target = TargetOf(command);
  DecisionContext context;
  if (target.ok()) context = ContextFor(*target);
  absl::StatusOr<Decision> decision = Decide(command, context, now);
  if (!decision.ok()) return decision.status();
  Executed executed;
  const std::optional<StreamIds> ids = ParseStream(decision->programme_stream);
  for (const DecidedExperimentEvent& d : decision->experiment_events) {
    const uint64_t position =
        AppendExperimentEvent(ids->programme_id, target->experiment_id, d.event);
    CopyHeader(d, &events_[position - 1]);
    executed.events.push_back(events_[position - 1]);
  }
  for (const DecidedProgrammeEvent& d : decision->programme_events) {
    const uint64_t position = AppendProgrammeEvent(ids->programme_id, d.event);
    CopyHeader(d, &events_[position - 1]);
    executed.events.push_back(events_[position - 1]);
  }
  executed.decision = *std::move(decision);
  return executed;
}

const v1::ProgrammeState* InMemoryLog::Programme(std::string_view programme_id) const {
  auto it = programmes_.find(ProgrammeStream(programme_id));
  return it == programmes_.end() ? nullptr : &it->second;
}

const v1::ExperimentState* InMemoryLog::Experiment(std::string_view programme_id,
                                                   std::string_view experiment_id) const {
  auto it = experiments_.find(ExperimentStream(programme_id, experiment_id));
  return it == experiments_.end() ? nullptr : &it->second;
}

std::vector<const v1::ExperimentState*> InMemoryLog::ExperimentsOf(
    std::string_view programme_id) const {
  std::vector<const v1::ExperimentState*> result;
  const std::string prefix = ExperimentStream(programme_id, "");
  for (auto it = experiments_.lower_bound(prefix);
       it != experiments_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    result.push_back(&it->second);
  }
  return result;
}

DecisionContext InMemoryLog::ContextFor(const CommandTarget& target) const {
  DecisionContext context;
  context.programme = Programme(target.programme_id);
  if (target.is_experiment_command()) {
    context.experiment = Experiment(target.programme_id, target.experiment_id);
  }
  // As the server does (app::CommandHandler): only programme commands see the other experiments.
  if (!target.is_experiment_command()) context.experiments = ExperimentsOf(target.programme_id);
  return context;
}

std::string InMemoryLog::FirstStreamNotRebuilt() const {
  std::map<std::string, v1::ProgrammeState, std::less<>> programmes;
  std::map<std::string, v1::ExperimentState, std::less<>> experiments;
  for (const LoggedEvent& e : events_) {
    const std::optional<StreamIds> ids = ParseStream(e.stream);
    if (!ids) return e.stream;
    if (ids->experiment_id.empty()) {
      absl::StatusOr<v1::ProgrammeEvent> event = DecodeProgrammeEvent(e.type, e.payload);
      if (!event.ok()) return e.stream;
      programmes[e.stream] = Evolve(std::move(programmes[e.stream]), *event, ContextOf(e));
    } else {
      absl::StatusOr<v1::ExperimentEvent> event = DecodeExperimentEvent(e.type, e.payload);
      if (!event.ok()) return e.stream;
      experiments[e.stream] = Evolve(std::move(experiments[e.stream]), *event, ContextOf(e));
    }
  }
  for (const auto& [stream, state] : programmes_) {
    if (Deterministic(state) != Deterministic(programmes[stream])) return stream;
  }
  for (const auto& [stream, state] : experiments_) {
    if (Deterministic(state) != Deterministic(experiments[stream])) return stream;
  }
  return "";
}

}  // namespace proeftuin::domain::testkit
