// The views' projectors: "view_history" (inline) and "audit_index" (async), docs/VIEWS.md.
//
// Replay speed matters (issue 5: >= 1M events/s with the decider state): most events are
// stored without decoding their payload. A HistoryEntry's event field is length-delimited, so
// the entry's header fields are serialized and the stored payload (the serialized wrapper) is
// appended as field 9 or 10 as it is. Only drafts, proposals and amendments (their design is
// reduced), and corrections (they rewrite the entry they correct) are decoded.
#include "domain/streams.h"
#include "views/internal/keys.h"
#include "views/internal/projectors.h"
#include "views/views.h"

namespace proeftuin::views {
namespace internal {
namespace {

const std::string& TypeOf(const google::protobuf::Descriptor* d) { return d->full_name(); }

// Protobuf wire format, written directly (proto3: default values are left out, a present
// sub-message is written even when empty), so the bytes equal what SerializeAsString writes.
class Wire {
 public:
  void Varint(int field, uint64_t v) {
    if (v == 0) return;
    Raw(static_cast<uint64_t>(field) << 3);
    Raw(v);
  }
  void Bytes(int field, std::string_view b) {
    if (!b.empty()) Nested(field, b);
  }
  void Nested(int field, std::string_view b) {
    Raw(static_cast<uint64_t>(field) << 3 | 2);
    Raw(b.size());
    out.append(b);
  }
  std::string out;

 private:
  void Raw(uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
    out.push_back(static_cast<char>(v));
  }
};

std::string DateBytes(const v1::Date& d) {
  Wire w;
  w.Varint(v1::Date::kYearFieldNumber, static_cast<uint64_t>(static_cast<int64_t>(d.year())));
  w.Varint(v1::Date::kMonthFieldNumber, static_cast<uint64_t>(static_cast<int64_t>(d.month())));
  w.Varint(v1::Date::kDayFieldNumber, static_cast<uint64_t>(static_cast<int64_t>(d.day())));
  return std::move(w.out);
}

std::string ActorBytes(const v1::Actor& a) {
  Wire w;
  w.Bytes(v1::Actor::kPrincipalIdFieldNumber, a.principal_id());
  w.Bytes(v1::Actor::kDisplayNameFieldNumber, a.display_name());
  w.Bytes(v1::Actor::kRoleFieldNumber, a.role());
  w.Bytes(v1::Actor::kApplicationFieldNumber, a.application());
  w.Bytes(v1::Actor::kOnBehalfOfFieldNumber, a.on_behalf_of());
  return std::move(w.out);
}

// A HistoryEntry: the header's fields, then the event bytes as field `event_field`. Written
// directly: this runs for every event of a replay (docs/VIEWS.md, "Replay speed").
std::string EntryBytes(const v1::EventHeader& h, int event_field, std::string_view event_bytes) {
  using E = v1::HistoryEntry;
  Wire w;
  w.out.reserve(96 + h.type().size() + h.reason().size() + event_bytes.size());
  w.Varint(E::kPositionFieldNumber, h.position());
  w.Varint(E::kStreamVersionFieldNumber, h.stream_version());
  w.Bytes(E::kEventTypeFieldNumber, h.type());
  w.Varint(E::kRecordedAtUsFieldNumber, static_cast<uint64_t>(h.recorded_at_us()));
  if (h.has_occurred_on()) w.Nested(E::kOccurredOnFieldNumber, DateBytes(h.occurred_on()));
  if (h.has_actor()) w.Nested(E::kActorFieldNumber, ActorBytes(h.actor()));
  w.Bytes(E::kReasonFieldNumber, h.reason());
  w.Varint(E::kConfidentialityFieldNumber, static_cast<uint64_t>(h.confidentiality()));
  w.Nested(event_field, event_bytes);
  return std::move(w.out);
}

// A design reduced to what a history line needs (the state holds the current design).
void Reduce(v1::ProgrammeDesign* d) {
  v1::ProgrammeDesign kept;
  kept.set_title(d->title());
  if (d->has_period()) *kept.mutable_period() = d->period();
  if (d->has_evaluation_date()) *kept.mutable_evaluation_date() = d->evaluation_date();
  if (d->has_budget()) *kept.mutable_budget() = d->budget();
  kept.set_predecessor_programme_id(d->predecessor_programme_id());
  d->Swap(&kept);
}

void Reduce(v1::ExperimentDesign* d) {
  v1::ExperimentDesign kept;
  kept.set_title(d->title());
  kept.set_participation_level(d->participation_level());
  const v1::ExecutionConditions& c = d->conditions();
  if (c.has_planning()) *kept.mutable_conditions()->mutable_planning() = c.planning();
  if (c.has_budget_requested()) {
    *kept.mutable_conditions()->mutable_budget_requested() = c.budget_requested();
  }
  if (c.civil_servant_hours() != 0) {
    kept.mutable_conditions()->set_civil_servant_hours(c.civil_servant_hours());
  }
  d->Swap(&kept);
}

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

// Rewrites the entry a correction names (same stream, so the key is known from its position).
void Correct(eventstore::ProjectionWriter& rows, const std::string& target_key,
             const v1::CorrectionRecorded& correction, uint64_t position) {
  std::optional<std::string> bytes = rows.Get(target_key);
  v1::HistoryEntry target;
  if (!bytes.has_value() || !target.ParseFromString(*bytes)) return;
  ApplyCorrection(correction.fields(), &target);
  target.add_corrected_by(position);
  rows.Put(target_key, target.SerializeAsString());
}

// Programme stream: returns the bytes to store as the entry's event (the payload itself, or a
// reduced copy kept in `*reduced`).
std::string_view ProgrammeEventBytes(const eventstore::RecordedEvent& e, const std::string& pid,
                                     eventstore::ProjectionWriter& rows, std::string* reduced) {
  const std::string& type = e.header.type();
  const bool design = type == TypeOf(v1::ProgrammeDrafted::descriptor()) ||
                      type == TypeOf(v1::ProgrammeAmended::descriptor());
  const bool correction = type == TypeOf(v1::CorrectionRecorded::descriptor());
  if (!design && !correction) return e.payload;
  auto event = domain::DecodeProgrammeEvent(type, e.payload);
  if (!event.ok()) return e.payload;
  if (correction) {
    const v1::CorrectionRecorded& c = event->correction_recorded();
    Correct(rows, ProgrammeHistoryKey(pid, c.corrected_position()), c, e.position());
    return e.payload;
  }
  v1::ProgrammeDesign* d = event->has_programme_drafted()
                               ? event->mutable_programme_drafted()->mutable_design()
                               : event->mutable_programme_amended()->mutable_design();
  UpdateChain(rows, pid, d->predecessor_programme_id());
  Reduce(d);
  *reduced = event->SerializeAsString();
  return *reduced;
}

// Experiment stream: as ProgrammeEventBytes.
std::string_view ExperimentEventBytes(const eventstore::RecordedEvent& e,
                                      const domain::StreamIds& ids,
                                      eventstore::ProjectionWriter& rows, std::string* reduced) {
  const std::string& type = e.header.type();
  const bool design = type == TypeOf(v1::ExperimentProposed::descriptor()) ||
                      type == TypeOf(v1::ExperimentAmended::descriptor());
  const bool correction = type == TypeOf(v1::CorrectionRecorded::descriptor());
  if (!design && !correction) return e.payload;
  auto event = domain::DecodeExperimentEvent(type, e.payload);
  if (!event.ok()) return e.payload;
  if (correction) {
    const v1::CorrectionRecorded& c = event->correction_recorded();
    Correct(rows, ExperimentHistoryKey(ids.programme_id, ids.experiment_id, c.corrected_position()),
            c, e.position());
    return e.payload;
  }
  Reduce(event->has_experiment_proposed() ? event->mutable_experiment_proposed()->mutable_design()
                                          : event->mutable_experiment_amended()->mutable_design());
  *reduced = event->SerializeAsString();
  return *reduced;
}

}  // namespace

std::string HistoryProjector::Name() const {
  return programmes_ ? kProgrammeRowsProjection : kViewHistoryProjection;
}

void HistoryProjector::Apply(const eventstore::RecordedEvent& e,
                             eventstore::ProjectionWriter& rows) {
  std::optional<domain::StreamIds> ids = domain::ParseStream(e.header.stream());
  if (!ids.has_value()) return;  // principal streams and others: not part of the views
  if (ids->experiment_id.empty() != programmes_) return;  // the other projector's stream
  std::string reduced;
  if (programmes_) {
    std::string_view bytes = ProgrammeEventBytes(e, ids->programme_id, rows, &reduced);
    rows.Put(ProgrammeHistoryKey(ids->programme_id, e.position()),
             EntryBytes(e.header, v1::HistoryEntry::kProgrammeEventFieldNumber, bytes));
  } else {
    std::string_view bytes = ExperimentEventBytes(e, *ids, rows, &reduced);
    rows.Put(ExperimentHistoryKey(ids->programme_id, ids->experiment_id, e.position()),
             EntryBytes(e.header, v1::HistoryEntry::kExperimentEventFieldNumber, bytes));
  }
}

std::string AuditIndexProjector::Name() const { return kAuditIndexProjection; }

void AuditIndexProjector::Apply(const eventstore::RecordedEvent& e,
                                eventstore::ProjectionWriter& rows) {
  const v1::EventHeader& h = e.header;
  v1::AuditIndexRow row;
  row.set_stream(h.stream());
  row.set_event_type(h.type());
  row.set_actor(h.actor().principal_id());
  row.set_recorded_at_us(h.recorded_at_us());
  row.set_confidentiality(h.confidentiality());
  const std::string inv = InvertedPosition(h.position());
  const std::string level(1, static_cast<char>(h.confidentiality()));
  rows.Put(kAuditAllPrefix + inv, row.SerializeAsString());
  rows.Put(AuditStreamPrefix(h.stream()) + inv, level);
  if (std::optional<domain::StreamIds> ids = domain::ParseStream(h.stream())) {
    rows.Put(AuditProgrammePrefix(ids->programme_id) + inv, level);
  }
  rows.Put(AuditActorPrefix(h.actor().principal_id()) + inv, level);
  rows.Put(AuditTypePrefix(h.type()) + inv, level);
}

}  // namespace internal

std::vector<std::shared_ptr<eventstore::Projector>> InlineViewProjectors() {
  return {std::make_shared<internal::HistoryProjector>(true),
          std::make_shared<internal::HistoryProjector>(false)};
}

std::vector<std::shared_ptr<eventstore::Projector>> AsyncViewProjectors() {
  return {std::make_shared<internal::AuditIndexProjector>()};
}

}  // namespace proeftuin::views
