// The views' projectors: "view_programmes" (inline: the chain of programmes) and "audit_index"
// (async), docs/VIEWS.md. The streams' history is not a projection: the views read it from the
// log (history.cc).
#include <algorithm>

#include "domain/streams.h"
#include "views/internal/keys.h"
#include "views/internal/projectors.h"
#include "views/views.h"

namespace proeftuin::views {
namespace internal {
namespace {

// Keeps "c/<predecessor>/<programme>" in step with the programme's current predecessor.
void UpdateChain(eventstore::ProjectionWriter& rows, const std::string& programme_id,
                 const std::string& predecessor) {
  const std::string pred_key = PredecessorKey(programme_id);
  const std::string old = rows.Get(pred_key).value_or("");
  if (old == predecessor) return;
  if (!old.empty()) rows.Delete(SuccessorKey(old, programme_id));
  if (predecessor.empty()) {
    rows.Delete(pred_key);
    return;
  }
  rows.Put(pred_key, predecessor);
  rows.Put(SuccessorKey(predecessor, programme_id), "");
}

}  // namespace

std::string ChainProjector::Name() const { return kProgrammeRowsProjection; }

bool ChainProjector::Wants(std::string_view, std::string_view type) const {
  static const std::string& drafted = v1::ProgrammeDrafted::descriptor()->full_name();
  static const std::string& amended = v1::ProgrammeAmended::descriptor()->full_name();
  return type == drafted || type == amended;
}

void ChainProjector::Apply(const eventstore::RecordedEvent& e, eventstore::ProjectionWriter& rows) {
  const std::string& type = e.header.type();
  if (!Wants(e.header.stream(), type)) return;  // the only events that name a predecessor
  std::optional<domain::StreamIds> ids = domain::ParseStream(e.header.stream());
  if (!ids.has_value() || !ids->experiment_id.empty()) return;
  auto event = domain::DecodeProgrammeEvent(type, e.payload);
  if (!event.ok()) return;
  const v1::ProgrammeDesign& d = event->has_programme_drafted()
                                     ? event->programme_drafted().design()
                                     : event->programme_amended().design();
  UpdateChain(rows, ids->programme_id, d.predecessor_programme_id());
}

std::string AuditIndexProjector::Name() const { return kAuditIndexProjection; }

void AuditIndexProjector::Apply(const eventstore::RecordedEvent& e,
                                eventstore::ProjectionWriter& rows) {
  const v1::EventHeader& h = e.header;
  row_.set_stream(h.stream());
  row_.set_event_type(h.type());
  row_.set_actor(h.actor().principal_id());
  row_.set_recorded_at_us(h.recorded_at_us());
  row_.set_confidentiality(h.confidentiality());
  row_.SerializeToString(&row_bytes_);
  const std::string inv = InvertedPosition(h.position());
  const std::string level(1, static_cast<char>(h.confidentiality()));
  rows.Put(kAuditAllPrefix + inv, row_bytes_);
  std::string& key = key_;  // one buffer for the four secondary rows' keys (the writer copies each)
  SetAuditKey(&key, kAuditStreamTag, h.stream(), inv);
  rows.Put(key, level);
  if (std::optional<domain::StreamIdViews> ids = domain::ParseStreamView(h.stream())) {
    SetAuditKey(&key, kAuditProgrammeTag, ids->programme_id, inv);
    rows.Put(key, level);
  }
  SetAuditKey(&key, kAuditActorTag, h.actor().principal_id(), inv);
  rows.Put(key, level);
  SetAuditKey(&key, kAuditTypeTag, h.type(), inv);
  rows.Put(key, level);
}

}  // namespace internal

std::vector<std::shared_ptr<eventstore::Projector>> InlineViewProjectors() {
  return {std::make_shared<internal::ChainProjector>()};
}

std::vector<std::shared_ptr<eventstore::Projector>> AsyncViewProjectors() {
  return {std::make_shared<internal::AuditIndexProjector>()};
}

}  // namespace proeftuin::views
