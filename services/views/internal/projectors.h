// The views' projectors (docs/VIEWS.md). Private to services/views: others get them through
// views::InlineViewProjectors() / AsyncViewProjectors().
//
// ChainProjector (inline, "view_programmes"): the chain of programmes.
// AuditIndexProjector ("audit_index", async): the audit trail's index rows.
//
// Thread-safety: called by one thread at a time (the store's writer, follower or a rebuild).
#pragma once

#include <memory>
#include <string>

#include "eventstore/event_store.h"
#include "eventstore/projection.h"
#include "proeftuin/v1/views.pb.h"

namespace proeftuin::views::internal {

// "view_programmes" (inline): the chain of programmes, kept in step with each programme's
// current predecessor (ProgrammeDrafted and ProgrammeAmended name it).
class ChainProjector : public eventstore::Projector {
 public:
  std::string Name() const override;
  // 2: the history rows went (the views read a stream's history from the log).
  uint32_t Version() const override { return 2; }
  void Apply(const eventstore::RecordedEvent& event, eventstore::ProjectionWriter& rows) override;
  bool ReadsWholeHeader() const override { return false; }  // place and kind only
  // ProgrammeDrafted and ProgrammeAmended: the only events that name a predecessor.
  bool Wants(std::string_view stream, std::string_view type) const override;
  std::unique_ptr<eventstore::Projector> NewInstance() const override {
    return std::make_unique<ChainProjector>();
  }
};

class AuditIndexProjector : public eventstore::Projector {
 public:
  std::string Name() const override;
  uint32_t Version() const override { return 1; }
  void Apply(const eventstore::RecordedEvent& event, eventstore::ProjectionWriter& rows) override;
  // Every row it writes is new (its key holds the event's position), and it reads none back.
  bool ReadsOwnRows() const override { return false; }
  // Not rebuilt in parts, though any split would do (each of its rows is one event's): its
  // rebuild is bound by writing five rows an event, and on two threads it took 12.0 s against
  // 10.7 s on one (1M events, `views_bench --phases audit`).

 private:
  // Reused from event to event (Apply runs on one thread at a time): its strings keep their
  // memory.
  v1::AuditIndexRow row_;
  std::string row_bytes_, key_;
};

// Applies a correction's fields to the event an entry holds, per the table of
// docs/DOMAIN-RULES.md (e.g. `count` is an activity's participants, a session's attendees;
// `occurred_on` is the event's own date field and the entry's business date).
void ApplyCorrection(const v1::CorrectedFields& fields, v1::HistoryEntry* entry);

}  // namespace proeftuin::views::internal
