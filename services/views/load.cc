// Loading what the views need from one snapshot, filtered by the reader's clearance.
#include "app/decider_projection.h"
#include "app/queries.h"
#include "domain/streams.h"
#include "proeftuin/v1/experiment_events.pb.h"
#include "eventstore/status_macros.h"
#include "views/internal/assemble.h"
#include "views/internal/keys.h"
#include "views/views.h"

namespace proeftuin::views::internal {

absl::Status NotFound(std::string_view what) {
  return absl::NotFoundError(std::string(what) + " does not exist (or is above your clearance)");
}

const v1::ExperimentState* ProgrammeData::Experiment(std::string_view id) const {
  for (const v1::ExperimentState& e : experiments) {
    if (e.experiment_id() == id) return &e;
  }
  return nullptr;
}

namespace {

// Protobuf wire format, as much as WithoutCorrectableEvents needs.
bool ReadVarint(std::string_view bytes, size_t* at, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *at < bytes.size(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(bytes[(*at)++]);
    *v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// Moves *at past the value of a field of `wire_type`; the value of a length-delimited one is
// returned in *value. False for a malformed or group field.
bool SkipValue(std::string_view bytes, uint32_t wire_type, size_t* at, std::string_view* value) {
  uint64_t n = 0;
  switch (wire_type) {
    case 0:
      return ReadVarint(bytes, at, &n);
    case 1:
    case 5:
      *at += wire_type == 1 ? 8 : 4;
      return *at <= bytes.size();
    case 2:
      if (!ReadVarint(bytes, at, &n) || n > bytes.size() - *at) return false;
      *value = bytes.substr(*at, n);
      *at += n;
      return true;
    default:
      return false;
  }
}

// The event type (field 2) of a serialized CorrectableEvent; "" when absent or malformed.
std::string_view CorrectableEventType(std::string_view entry) {
  for (size_t at = 0; at < entry.size();) {
    uint64_t tag = 0;
    std::string_view value;
    if (!ReadVarint(entry, &at, &tag) || !SkipValue(entry, tag & 7, &at, &value)) return "";
    if (tag == (2 << 3 | 2)) return value;
  }
  return "";
}

// A serialized ExperimentState without the correctable events the views never read. Its list
// of correctable events (field 26) grows with every activity and expenditure, and parsing it
// was most of a programme view's cost (docs/VIEWS.md); the views only need the positions of the
// selection and the rejection (decisions.cc). A malformed row is returned as it is (the parse
// then reports it).
std::string WithoutCorrectableEvents(std::string_view row) {
  constexpr uint64_t kCorrectableEventsTag = 26 << 3 | 2;
  static const std::string selected = v1::ExperimentSelected::descriptor()->full_name();
  static const std::string rejected = v1::ExperimentRejected::descriptor()->full_name();
  std::string out;
  out.reserve(row.size());
  for (size_t at = 0; at < row.size();) {
    const size_t field_start = at;
    uint64_t tag = 0;
    std::string_view value;
    if (!ReadVarint(row, &at, &tag) || !SkipValue(row, tag & 7, &at, &value)) return std::string(row);
    if (tag == kCorrectableEventsTag) {
      std::string_view type = CorrectableEventType(value);
      if (type != selected && type != rejected) continue;
    }
    out.append(row.substr(field_start, at - field_start));
  }
  return out;
}

// The programme's experiment states (app::LoadExperiments without most correctable events).
absl::StatusOr<std::vector<v1::ExperimentState>> LoadExperimentsForViews(eventstore::ReadView& view,
                                                                         std::string_view programme_id) {
  std::vector<v1::ExperimentState> out;
  bool corrupt = false;
  RETURN_IF_ERROR(view.Scan(app::kDeciderStateProjection, app::ExperimentPrefix(programme_id), "",
                            [&](std::string_view, std::string_view v) {
                              const std::string slim = WithoutCorrectableEvents(v);
                              corrupt |= !out.emplace_back().ParseFromString(slim);
                              return !corrupt;
                            }));
  if (corrupt) return absl::DataLossError("an experiment state of " + std::string(programme_id) + " is corrupt");
  return out;
}

}  // namespace

absl::StatusOr<std::vector<v1::HistoryEntry>> LoadProgrammeHistory(eventstore::ReadView& view,
                                                                   std::string_view programme_id,
                                                                   v1::Confidentiality clearance) {
  return LoadStreamHistory(view, domain::ProgrammeStream(programme_id), true, clearance);
}

absl::StatusOr<std::vector<v1::HistoryEntry>> LoadExperimentHistory(
    eventstore::ReadView& view, std::string_view programme_id, std::string_view experiment_id,
    v1::Confidentiality clearance) {
  return LoadStreamHistory(view, domain::ExperimentStream(programme_id, experiment_id), false,
                           clearance);
}

// Drops programme-stream entries about experiments the reader may not see (an allocation or
// release takes the higher level, but an experiment's level may have been raised since).
void DropHiddenAllocations(ProgrammeData* d) {
  std::erase_if(d->history, [d](const v1::HistoryEntry& h) {
    if (!h.has_programme_event()) return false;
    const v1::ProgrammeEvent& e = h.programme_event();
    const std::string* id = e.has_budget_allocated()  ? &e.budget_allocated().experiment_id()
                            : e.has_budget_released() ? &e.budget_released().experiment_id()
                                                      : nullptr;
    return id != nullptr && !d->visible.contains(*id);
  });
}

absl::StatusOr<ProgrammeData> LoadProgrammeData(eventstore::ReadView& view,
                                                std::string_view programme_id,
                                                v1::Confidentiality clearance) {
  ASSIGN_OR_RETURN(std::optional<v1::ProgrammeState> programme,
                   app::LoadProgramme(view, programme_id, app::Correctables::kOneOff));
  if (!programme.has_value()) return NotFound("programme " + std::string(programme_id));
  return LoadProgrammeData(view, *std::move(programme), clearance);
}

absl::StatusOr<ProgrammeData> LoadProgrammeData(eventstore::ReadView& view, v1::ProgrammeState programme,
                                                v1::Confidentiality clearance) {
  if (!app::Cleared(programme.confidentiality(), clearance)) {
    return NotFound("programme " + programme.programme_id());
  }
  ProgrammeData d;
  d.programme = std::move(programme);
  d.clearance = clearance;
  d.as_of = view.position();
  const std::string& programme_id = d.programme.programme_id();
  ASSIGN_OR_RETURN(std::vector<v1::ExperimentState> all, LoadExperimentsForViews(view, programme_id));
  for (v1::ExperimentState& e : all) {
    if (!app::Cleared(e.confidentiality(), clearance)) continue;
    d.visible.insert(e.experiment_id());
    d.experiments.push_back(std::move(e));
  }
  ASSIGN_OR_RETURN(d.history, LoadProgrammeHistory(view, programme_id, clearance));
  DropHiddenAllocations(&d);
  return d;
}

}  // namespace proeftuin::views::internal
