// The audit trail, newest first (AuditService.ListAuditEntries), from the async "audit_index".
//
// One secondary index is scanned (object, else actor, else event type, else all), in key order
// = newest first; the other filters are checked against the "a/" row. Recorded times never
// decrease with the position, so a time range is a position range (binary search over "a/").
// A page scans at most kMaxScan index rows: a page can then hold fewer entries than asked
// (even none) and still carry a next_page_token.
#include <google/protobuf/descriptor.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "app/queries.h"
#include "domain/streams.h"
#include "eventstore/status_macros.h"
#include "views/internal/audit.h"
#include "views/internal/keys.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

using internal::InvertedPosition;
using internal::PositionOfInverted;

constexpr int kMaxScan = 20000;

// "ProgrammeAdopted" means "proeftuin.v1.ProgrammeAdopted"; a name that is no event message of
// the API is refused, so a typo never reads as "no such events".
absl::Status NormaliseEventType(v1::ListAuditEntriesRequest& r) {
  if (r.event_type().empty()) return absl::OkStatus();
  if (r.event_type().find('.') == std::string::npos) r.set_event_type("proeftuin.v1." + r.event_type());
  if (google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(r.event_type()) == nullptr) {
    return absl::InvalidArgumentError("event_type: unknown event type " + r.event_type() +
                                      " (expected e.g. ProgrammeAdopted or proeftuin.v1.ProgrammeAdopted)");
  }
  return absl::OkStatus();
}

// FNV-1a over the filters, so a page token is only accepted for the query that made it.
uint32_t FilterHash(const v1::ListAuditEntriesRequest& r) {
  uint32_t h = 2166136261u;
  for (const std::string& part : {r.actor(), r.object(), r.event_type(), absl::StrCat(r.from_us()),
                                  absl::StrCat(r.to_us())}) {
    for (unsigned char c : part + "\n") h = (h ^ c) * 16777619u;
  }
  return h;
}

std::string MakeToken(uint64_t position, const v1::ListAuditEntriesRequest& r) {
  return absl::StrCat(position, ".", absl::Hex(FilterHash(r)));
}

// The highest position the page may return (0: no limit).
absl::StatusOr<uint64_t> ParseToken(const v1::ListAuditEntriesRequest& r) {
  if (r.page_token().empty()) return 0;
  const size_t dot = r.page_token().find('.');
  uint64_t position = 0;
  if (dot == std::string::npos || !absl::SimpleAtoi(r.page_token().substr(0, dot), &position) ||
      position == 0 || r.page_token().substr(dot + 1) != absl::StrCat(absl::Hex(FilterHash(r)))) {
    return absl::InvalidArgumentError(
        "page_token: not a token of this query (repeat the query's filters with it)");
  }
  return position;
}

absl::StatusOr<v1::AuditIndexRow> RowAt(eventstore::ReadView& view, uint64_t position) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   view.Get(kAuditIndexProjection, internal::kAuditAllPrefix + InvertedPosition(position)));
  v1::AuditIndexRow row;
  if (!bytes.has_value() || !row.ParseFromString(*bytes)) {
    return absl::DataLossError("audit index row " + std::to_string(position) + " is missing or corrupt");
  }
  return row;
}

// The first position in [1, applied] recorded at or after `us`; applied + 1 when none.
absl::StatusOr<uint64_t> FirstAtOrAfter(eventstore::ReadView& view, uint64_t applied, int64_t us) {
  uint64_t lo = 1, hi = applied + 1;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    ASSIGN_OR_RETURN(v1::AuditIndexRow row, RowAt(view, mid));
    if (row.recorded_at_us() >= us) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// The index to scan and whether the other filters need the "a/" row.
struct Plan {
  std::string prefix;
  bool check_actor = false, check_type = false;
  // Whether a candidate's stream may be above the clearance now (HiddenExperiments): not at the
  // highest clearance, nor for a programme's entries when nothing of it is hidden.
  bool check_hidden = true;
  std::string programme_id;  // the programme an object query is about, else ""
};

absl::StatusOr<Plan> PlanOf(eventstore::ReadView& view, const v1::ListAuditEntriesRequest& r) {
  Plan p;
  if (!r.object().empty()) {
    // A stream id with events, else a programme id (its programme and experiment streams).
    p.prefix = internal::AuditStreamPrefix(r.object());
    bool is_stream = false;
    RETURN_IF_ERROR(view.Scan(kAuditIndexProjection, p.prefix, "",
                              [&](std::string_view, std::string_view) { return !(is_stream = true); }));
    if (!is_stream) p.prefix = internal::AuditProgrammePrefix(r.object());
    if (!is_stream) {
      p.programme_id = r.object();
    } else if (std::optional<domain::StreamIds> ids = domain::ParseStream(r.object())) {
      p.programme_id = ids->programme_id;
    }
    p.check_actor = !r.actor().empty();
    p.check_type = !r.event_type().empty();
  } else if (!r.actor().empty()) {
    p.prefix = internal::AuditActorPrefix(r.actor());
    p.check_type = !r.event_type().empty();
  } else if (!r.event_type().empty()) {
    p.prefix = internal::AuditTypePrefix(r.event_type());
  } else {
    p.prefix = internal::kAuditAllPrefix;
  }
  return p;
}

struct Page {
  std::vector<uint64_t> positions;
  uint64_t resume_at = 0;  // the next page's highest position; 0 = no more
};

// Does the candidate at `position` (index value `value`) pass every filter?
absl::StatusOr<bool> Passes(eventstore::ReadView& view, const Plan& plan,
                            const v1::ListAuditEntriesRequest& r, v1::Confidentiality clearance,
                            internal::HiddenExperiments& hidden, uint64_t position,
                            std::string_view value) {
  v1::AuditIndexRow row;
  bool have_row = true;
  if (plan.prefix == internal::kAuditAllPrefix) {
    if (!row.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError("audit index row " + std::to_string(position) + " is corrupt");
    }
  } else if (plan.check_actor || plan.check_type) {
    ASSIGN_OR_RETURN(row, RowAt(view, position));
  } else {
    row.set_confidentiality(value.empty() ? v1::CONFIDENTIALITY_UNSPECIFIED
                                          : static_cast<v1::Confidentiality>(value[0]));
    have_row = false;
  }
  if (plan.check_actor && row.actor() != r.actor()) return false;
  if (plan.check_type && row.event_type() != r.event_type()) return false;
  if (!app::Cleared(row.confidentiality(), clearance)) return false;
  if (!plan.check_hidden) return true;
  if (!have_row) {
    ASSIGN_OR_RETURN(row, RowAt(view, position));
  }
  ASSIGN_OR_RETURN(bool hidden_stream, hidden.IsHiddenStream(row.stream()));
  return !hidden_stream;
}

absl::StatusOr<Page> Collect(eventstore::ReadView& view, const Plan& plan,
                             const v1::ListAuditEntriesRequest& r, v1::Confidentiality clearance,
                             internal::HiddenExperiments& hidden, uint64_t lo, uint64_t hi,
                             int page_size) {
  Page page;
  if (hi < lo || hi == 0) return page;
  int scanned = 0;
  absl::Status error;
  // Every event has a row under the unfiltered prefix: there, a position missing between hi and
  // lo means rows were removed from the index (a listing would leave the event out silently).
  const bool every_position = plan.prefix == internal::kAuditAllPrefix;
  uint64_t expected = hi;  // the next position the scan (highest first) must meet
  auto missing = [&](uint64_t position) {
    return absl::DataLossError("the audit index has no entry for position " +
                               std::to_string(position) + " of the log (rebuild it: proeftuin " +
                               "admin rebuild " + std::string(kAuditIndexProjection) + ")");
  };
  RETURN_IF_ERROR(view.Scan(
      kAuditIndexProjection, plan.prefix, plan.prefix + InvertedPosition(hi + 1),
      [&](std::string_view key, std::string_view value) {
        const uint64_t position = PositionOfInverted(key);
        if (every_position && position != expected && expected >= lo) {
          error = missing(expected);
          return false;
        }
        expected = position - 1;
        if (position < lo) return false;
        if (++scanned > kMaxScan) {
          page.resume_at = position;
          return false;
        }
        absl::StatusOr<bool> pass = Passes(view, plan, r, clearance, hidden, position, value);
        if (!pass.ok()) error = pass.status();
        if (!pass.ok() || !*pass) return pass.ok();
        if (static_cast<int>(page.positions.size()) == page_size) {
          page.resume_at = position;
          return false;
        }
        page.positions.push_back(position);
        return true;
      }));
  RETURN_IF_ERROR(error);
  if (every_position && page.resume_at == 0 && expected >= lo) return missing(expected);
  return page;
}

}  // namespace

absl::StatusOr<v1::ListAuditEntriesResponse> ListAuditEntries(
    eventstore::EventStore& store, const v1::ListAuditEntriesRequest& request,
    v1::Confidentiality clearance, absl::Time deadline) {
  v1::ListAuditEntriesRequest req = request;
  RETURN_IF_ERROR(NormaliseEventType(req));
  ASSIGN_OR_RETURN(int page_size, app::PageSize(req.page_size()));
  if (req.to_us() != 0 && req.to_us() <= req.from_us()) {
    return absl::InvalidArgumentError("to_us: must be after from_us (or 0 for no limit)");
  }
  ASSIGN_OR_RETURN(uint64_t resume, ParseToken(req));
  if (req.min_position() > 0) {
    RETURN_IF_ERROR(app::CheckMinPosition(req.min_position(), store.LastPosition()));
    RETURN_IF_ERROR(store.WaitForProjection(kAuditIndexProjection, req.min_position(), deadline));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<eventstore::ReadView> view, store.OpenReadView());
  ASSIGN_OR_RETURN(uint64_t applied, view->ProjectionPosition(kAuditIndexProjection));
  uint64_t lo = 1, hi = resume == 0 ? applied : std::min(applied, resume);
  if (req.from_us() > 0) {
    ASSIGN_OR_RETURN(lo, FirstAtOrAfter(*view, applied, req.from_us()));
  }
  if (req.to_us() > 0) {
    ASSIGN_OR_RETURN(uint64_t end, FirstAtOrAfter(*view, applied, req.to_us()));
    hi = std::min(hi, end - 1);
  }
  ASSIGN_OR_RETURN(Plan plan, PlanOf(*view, req));
  internal::HiddenExperiments hidden(view.get(), clearance);
  if (clearance == v1::CONFIDENTIALITY_ZEER_GEHEIM) {
    plan.check_hidden = false;
  } else if (!plan.programme_id.empty()) {
    ASSIGN_OR_RETURN(plan.check_hidden, hidden.AnythingHidden(plan.programme_id));
  }
  if (plan.check_hidden && !req.object().empty()) {
    // One stream, or a programme, above the clearance: nothing to list, without reading every
    // candidate's row to find that out. One stream that is not: no candidate needs a look.
    const bool one_stream = plan.prefix == internal::AuditStreamPrefix(req.object());
    ASSIGN_OR_RETURN(bool gone, hidden.IsHiddenStream(one_stream ? req.object()
                                                                 : domain::ProgrammeStream(req.object())));
    if (gone) {
      v1::ListAuditEntriesResponse none;
      none.set_as_of_position(applied);
      return none;
    }
    if (one_stream) plan.check_hidden = false;
  }
  ASSIGN_OR_RETURN(Page page, Collect(*view, plan, req, clearance, hidden, lo, hi, page_size));
  v1::ListAuditEntriesResponse out;
  for (uint64_t position : page.positions) {
    ASSIGN_OR_RETURN(eventstore::ReadAllResult read,
                     store.ReadAll(position, 1, eventstore::EventFilter{}));
    if (read.events.empty() || read.events[0].position() != position) {
      return absl::DataLossError("the log has no event at indexed position " + std::to_string(position));
    }
    ASSIGN_OR_RETURN(const absl::flat_hash_set<std::string>* hidden_here,
                     hidden.OfStream(read.events[0].header.stream()));
    // An allocation or release of a hidden experiment is left out (the page may come out
    // shorter; the next page token is right all the same).
    std::optional<v1::AuditEntry> entry = internal::ToAuditEntry(read.events[0], hidden_here);
    if (entry.has_value()) *out.add_entries() = *std::move(entry);
  }
  if (page.resume_at != 0) out.set_next_page_token(MakeToken(page.resume_at, req));
  out.set_as_of_position(applied);
  return out;
}

}  // namespace proeftuin::views
