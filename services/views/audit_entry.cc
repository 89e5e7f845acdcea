// One audit entry with its object's state before and after it (AuditService.GetAuditEntry).
#include <memory>
#include <optional>

#include "app/decider_projection.h"
#include "app/principals.h"
#include "app/queries.h"
#include "domain/decider.h"
#include "domain/streams.h"
#include "eventstore/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "views/internal/assemble.h"
#include "views/internal/audit.h"
#include "views/views.h"

namespace proeftuin::views {
namespace internal {
namespace {

std::unique_ptr<google::protobuf::Message> PayloadMessage(const v1::EventHeader& h) {
  const std::string& stream = h.stream();
  if (std::optional<domain::StreamIds> ids = domain::ParseStream(stream)) {
    if (ids->experiment_id.empty()) return std::make_unique<v1::ProgrammeEvent>();
    return std::make_unique<v1::ExperimentEvent>();
  }
  if (stream.rfind(app::kPrincipalStreamPrefix, 0) == 0) {
    return std::make_unique<v1::PrincipalEvent>();
  }
  const google::protobuf::Descriptor* d =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(h.type());
  if (d == nullptr) return nullptr;
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(d);
  return prototype == nullptr ? nullptr : std::unique_ptr<google::protobuf::Message>(prototype->New());
}

template <typename State>
struct Replayed {
  std::optional<State> before, after;
};

// Folds a stream's events up to `version` with `apply(state, event)`.
template <typename State, typename Apply>
Replayed<State> Replay(const std::vector<eventstore::RecordedEvent>& events, uint64_t version,
                       Apply apply) {
  Replayed<State> r;
  State state;
  bool exists = false;
  for (const eventstore::RecordedEvent& e : events) {
    const bool target = e.header.stream_version() == version;
    if (target && exists) r.before = state;
    apply(state, e);
    exists = true;
    if (target) {
      r.after = state;
      break;
    }
  }
  return r;
}

void FillStates(const std::vector<eventstore::RecordedEvent>& events, uint64_t version,
                v1::Confidentiality clearance, const absl::flat_hash_set<std::string>* hidden,
                v1::GetAuditEntryResponse* out) {
  const v1::EventHeader& h = events.back().header;
  auto visible = [clearance](const auto& s) { return app::Cleared(s.confidentiality(), clearance); };
  std::optional<domain::StreamIds> ids = domain::ParseStream(h.stream());
  if (ids.has_value() && ids->experiment_id.empty()) {
    auto r = Replay<v1::ProgrammeState>(events, version, [](auto& s, const auto& e) {
      auto ev = domain::DecodeProgrammeEvent(e.header.type(), e.payload);
      if (ev.ok()) s = domain::Evolve(std::move(s), *ev, app::EventContextOf(e));
    });
    for (std::optional<v1::ProgrammeState>* s : {&r.before, &r.after}) {
      if (s->has_value() && hidden != nullptr) app::RedactProgramme(*hidden, &**s);
    }
    if (r.before && visible(*r.before)) *out->mutable_before()->mutable_programme() = *r.before;
    if (r.after && visible(*r.after)) *out->mutable_after()->mutable_programme() = *r.after;
  } else if (ids.has_value()) {
    auto r = Replay<v1::ExperimentState>(events, version, [](auto& s, const auto& e) {
      auto ev = domain::DecodeExperimentEvent(e.header.type(), e.payload);
      if (ev.ok()) s = domain::Evolve(std::move(s), *ev, app::EventContextOf(e));
    });
    if (r.before && visible(*r.before)) *out->mutable_before()->mutable_experiment() = *r.before;
    if (r.after && visible(*r.after)) *out->mutable_after()->mutable_experiment() = *r.after;
  } else if (h.stream().rfind(app::kPrincipalStreamPrefix, 0) == 0) {
    auto r = Replay<v1::Principal>(events, version, [](auto& s, const auto& e) {
      v1::PrincipalEvent ev;
      if (ev.ParseFromString(e.payload)) app::EvolvePrincipal(s, ev, e.header.recorded_at_us());
    });
    if (r.before) *out->mutable_before()->mutable_principal() = *r.before;
    if (r.after) *out->mutable_after()->mutable_principal() = *r.after;
  }
}

}  // namespace

absl::StatusOr<const HiddenExperiments::Programme*> HiddenExperiments::Of(
    const std::string& programme_id) {
  auto it = by_programme_.find(programme_id);
  if (it == by_programme_.end()) {
    Programme p;
    if (clearance_ != v1::CONFIDENTIALITY_ZEER_GEHEIM) {
      ASSIGN_OR_RETURN(auto state, app::LoadProgramme(*view_, programme_id, app::Correctables::kOneOff));
      p.hidden = state.has_value() && !app::Cleared(state->confidentiality(), clearance_);
      ASSIGN_OR_RETURN(p.experiments, app::HiddenExperiments(*view_, programme_id, clearance_));
    }
    it = by_programme_.emplace(programme_id, std::move(p)).first;
  }
  return &it->second;
}

absl::StatusOr<const absl::flat_hash_set<std::string>*> HiddenExperiments::OfStream(
    const std::string& stream) {
  std::optional<domain::StreamIds> ids = domain::ParseStream(stream);
  if (!ids.has_value()) return nullptr;
  ASSIGN_OR_RETURN(const Programme* p, Of(ids->programme_id));
  return &p->experiments;
}

absl::StatusOr<bool> HiddenExperiments::IsHiddenStream(const std::string& stream) {
  if (clearance_ == v1::CONFIDENTIALITY_ZEER_GEHEIM) return false;
  std::optional<domain::StreamIds> ids = domain::ParseStream(stream);
  if (!ids.has_value()) return false;
  ASSIGN_OR_RETURN(const Programme* p, Of(ids->programme_id));
  return p->hidden || (!ids->experiment_id.empty() && p->experiments.contains(ids->experiment_id));
}

absl::StatusOr<bool> HiddenExperiments::AnythingHidden(const std::string& programme_id) {
  if (clearance_ == v1::CONFIDENTIALITY_ZEER_GEHEIM) return false;
  ASSIGN_OR_RETURN(const Programme* p, Of(programme_id));
  return p->hidden || !p->experiments.empty();
}

std::string EventJson(const v1::EventHeader& header, const std::string& payload,
                      const absl::flat_hash_set<std::string>* hidden, bool* about_hidden) {
  std::unique_ptr<google::protobuf::Message> message = PayloadMessage(header);
  if (message == nullptr || !message->ParseFromString(payload)) return "";
  if (auto* event = dynamic_cast<v1::ProgrammeEvent*>(message.get()); event && hidden) {
    const bool shown = app::RedactProgrammeEvent(*hidden, event);
    if (about_hidden != nullptr) *about_hidden = !shown;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(*message, &json, options).ok()) return "";
  return json;
}

std::optional<v1::AuditEntry> ToAuditEntry(const eventstore::RecordedEvent& e,
                                           const absl::flat_hash_set<std::string>* hidden) {
  const v1::EventHeader& h = e.header;
  v1::AuditEntry a;
  a.set_position(h.position());
  a.set_stream(h.stream());
  a.set_stream_version(h.stream_version());
  a.set_event_type(h.type());
  a.set_recorded_at_us(h.recorded_at_us());
  if (h.has_occurred_on()) *a.mutable_occurred_on() = h.occurred_on();
  if (h.has_actor()) *a.mutable_actor() = h.actor();
  a.set_reason(h.reason());
  a.set_request_id(h.request_id());
  a.set_correlation_id(h.correlation_id());
  a.set_confidentiality(h.confidentiality());
  bool about_hidden = false;
  a.set_event_json(EventJson(h, e.payload, hidden, &about_hidden));
  if (about_hidden) return std::nullopt;
  a.set_hash(eventstore::ToHex(e.hash));
  return a;
}

}  // namespace internal

absl::StatusOr<v1::GetAuditEntryResponse> GetAuditEntry(eventstore::EventStore& store,
                                                        const v1::GetAuditEntryRequest& req,
                                                        v1::Confidentiality clearance) {
  if (req.position() == 0) return absl::InvalidArgumentError("position: required (from 1)");
  const std::string what = "audit entry at position " + std::to_string(req.position());
  ASSIGN_OR_RETURN(eventstore::ReadAllResult read,
                   store.ReadAll(req.position(), 1, eventstore::EventFilter{}));
  if (read.events.empty() || read.events[0].position() != req.position()) {
    return internal::NotFound(what);
  }
  const eventstore::RecordedEvent& e = read.events[0];
  if (!app::Cleared(e.header.confidentiality(), clearance)) return internal::NotFound(what);
  ASSIGN_OR_RETURN(std::unique_ptr<eventstore::ReadView> view, store.OpenReadView());
  internal::HiddenExperiments hidden(view.get(), clearance);
  ASSIGN_OR_RETURN(bool hidden_stream, hidden.IsHiddenStream(e.header.stream()));
  if (hidden_stream) return internal::NotFound(what);
  ASSIGN_OR_RETURN(const absl::flat_hash_set<std::string>* hidden_here,
                   hidden.OfStream(e.header.stream()));
  std::optional<v1::AuditEntry> entry = internal::ToAuditEntry(e, hidden_here);
  if (!entry.has_value()) return internal::NotFound(what);
  v1::GetAuditEntryResponse out;
  *out.mutable_entry() = *std::move(entry);
  const uint64_t version = e.header.stream_version();
  ASSIGN_OR_RETURN(std::vector<eventstore::RecordedEvent> stream,
                   store.ReadStream(e.header.stream(), eventstore::Direction::kForward, 0,
                                    version + 1));
  if (!stream.empty()) internal::FillStates(stream, version, clearance, hidden_here, &out);
  return out;
}

}  // namespace proeftuin::views
