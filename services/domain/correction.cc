// Corrections (rule 8 and ENGINEERING.md §2: nothing is deleted or rewritten): which fields
// of which event a correction may change, and the RecordCorrection decider.
#include "domain/internal/correction.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "domain/budget.h"
#include "domain/dates.h"
#include "domain/internal/deciders.h"
#include "domain/internal/validation.h"
#include "domain/rules.h"
#include "domain/streams.h"
#include "eventstore/status_macros.h"
#include "google/protobuf/descriptor.h"

namespace proeftuin::domain::internal {
namespace {

template <typename Event>
bool Is(std::string_view type) {
  // The name looked up once: descriptor() costs a call_once check each time, and Evolve asks
  // CorrectableFields for every event of a replay.
  static const std::string& name = Event::descriptor()->full_name();
  return type == std::string_view(name.data(), name.size());
}

// Checks the value of every set field on its own (INVALID_ARGUMENT).
absl::Status CheckFieldValues(const v1::CorrectedFields& f, absl::Time now) {
  if (f.has_amount()) RETURN_IF_ERROR(CheckMoney("fields.amount", f.amount()));
  if (f.has_budget_year()) RETURN_IF_ERROR(CheckBudgetYear("fields.budget_year", f.budget_year()));
  if (f.has_count()) RETURN_IF_ERROR(CheckCount("fields.count", f.count()));
  if (f.has_seldom_heard_count()) {
    RETURN_IF_ERROR(CheckCount("fields.seldom_heard_count", f.seldom_heard_count()));
  }
  if (f.has_decision()) {
    RETURN_IF_ERROR(CheckCollegeDecision("fields.decision", f.decision(), Need::kRequired, now));
  }
  if (f.has_council_reference()) {
    RETURN_IF_ERROR(
        CheckCouncilReference("fields.council_reference", f.council_reference(), Need::kRequired));
  }
  if (f.has_occurred_on()) {
    RETURN_IF_ERROR(CheckDate("fields.occurred_on", f.occurred_on(), Need::kRequired));
    RETURN_IF_ERROR(CheckFactDate("fields.occurred_on", f.occurred_on(), now));
  }
  // The corrected event's own limit is checked against the target (CheckAgainstTarget).
  if (f.has_text())
    RETURN_IF_ERROR(CheckText("fields.text", f.text(), kMaxLongText, Need::kRequired));
  if (f.has_document()) RETURN_IF_ERROR(CheckDocument("fields.document", f.document()));
  return absl::OkStatus();
}

// The limit of the corrected event's own text field (PT-TEXT-TOO-LONG): long texts for a
// session's summary, an evaluation's findings or lessons; reasons, notes, motivations and
// council texts otherwise.
size_t TextLimit(std::string_view type) {
  if (Is<v1::KnowledgeSessionHeld>(type) || Is<v1::ProgrammeEvaluated>(type) ||
      Is<v1::ExperimentEvaluated>(type)) {
    return kMaxLongText;
  }
  return kMaxText;
}

// The dates of the wishes-and-objections procedure and of an experiment's run stay in order
// (PT-DATE-ORDER). `experiment` is null for a programme event.
absl::Status CheckCorrectedDates(const v1::CorrectedFields& f, const v1::CorrectableEvent& target,
                                 const v1::ProgrammeState& programme,
                                 const v1::ExperimentState* experiment) {
  const std::string_view type = target.event_type();
  constexpr char kDecisionDate[] = "fields.decision.decision_date";
  constexpr char kOccurredOn[] = "fields.occurred_on";
  // A corrected decision carries its date; one left as it was is not judged again (the rules
  // may have changed since it was recorded, e.g. for a correction of the reference only).
  if (Is<v1::ProgrammeAdopted>(type) && f.has_decision() &&
      CompareDates(f.decision().decision_date(), programme.adoption().decision_date()) != 0) {
    return CheckAdoptionDate(kDecisionDate, f.decision().decision_date(), programme);
  }
  if (experiment != nullptr && Is<v1::ExperimentSelected>(type) && f.has_decision() &&
      CompareDates(f.decision().decision_date(),
                   experiment->selection_decision().decision_date()) != 0) {
    return CheckNotAfter(kDecisionDate, f.decision().decision_date(), "the experiment's start",
                         experiment->started_on());
  }
  if (!f.has_occurred_on()) return absl::OkStatus();
  const v1::Date& on = f.occurred_on();
  if (experiment != nullptr) {
    if (Is<v1::ExperimentStarted>(type)) {
      return CheckStartDate(kOccurredOn, on, *experiment, programme);
    }
    if (Is<v1::ExpenditureRecorded>(type)) return CheckSpendingDate(kOccurredOn, on, *experiment);
    if (Is<v1::ActivityRecorded>(type) || Is<v1::ExperimentCompleted>(type) ||
        Is<v1::ExperimentStoppedEarly>(type)) {
      return CheckDateInRun(kOccurredOn, on, *experiment);
    }
    if (Is<v1::ExperimentEvaluated>(type)) return CheckEvaluationDate(kOccurredOn, on, *experiment);
    return absl::OkStatus();
  }
  if (Is<v1::ProgrammeEvaluated>(type)) {
    return CheckProgrammeEvaluationDate(kOccurredOn, on, programme);
  }
  if (Is<v1::ProgrammeSubmittedToCouncil>(type)) {
    return CheckSubmissionDate(kOccurredOn, on, programme);
  }
  const bool receipt = Is<v1::CouncilInputRecorded>(type);
  if (!receipt && !Is<v1::CouncilInputAnswered>(type)) return absl::OkStatus();
  const v1::CouncilInputState* input = FindInput(programme, target.key());
  if (input == nullptr) return absl::OkStatus();
  return receipt ? CheckReceiptDate(kOccurredOn, on, *input, programme)
                 : CheckAnswerDate(kOccurredOn, on, *input, programme);
}

// Checks the fields against the corrected event: accepted for its type, consistent with it.
// `experiment` is the corrected experiment's state, null for a programme event.
absl::Status CheckAgainstTarget(const v1::CorrectedFields& f, const v1::CorrectableEvent& target,
                                const v1::ProgrammeState& programme,
                                const v1::ExperimentState* experiment) {
  const uint32_t set = SetFields(f);
  const uint32_t allowed = CorrectableFields(target.event_type());
  for (uint32_t bit = 1; bit <= kCorrectDocument; bit <<= 1) {
    if ((set & bit) != 0 && (allowed & bit) == 0) {
      return FieldError(rules::kCorrectionField, CorrectionFieldName(bit),
                        absl::StrCat("cannot be corrected on a ", target.event_type()));
    }
  }
  if (f.has_budget_year() && !HasBudgetYear(programme, f.budget_year())) {
    return FieldError(rules::kBudgetYearUnknown, "fields.budget_year",
                      absl::StrCat("is ", f.budget_year(), ", not a budget year of the programme"));
  }
  const int64_t count = f.has_count() ? f.count() : target.count();
  const int64_t seldom =
      f.has_seldom_heard_count() ? f.seldom_heard_count() : target.seldom_heard_count();
  if (seldom > count) {
    return FieldError(
        rules::kValueRange, "fields.seldom_heard_count",
        absl::StrCat("would be ", seldom, ", more than the ", count, " participants"));
  }
  if (f.has_text()) {
    RETURN_IF_ERROR(
        CheckText("fields.text", f.text(), TextLimit(target.event_type()), Need::kRequired));
  }
  if (experiment != nullptr && Is<v1::ActivityRecorded>(target.event_type())) {
    if (f.has_count()) {
      RETURN_IF_ERROR(CheckReachTotal("fields.count", experiment->participant_count(),
                                      target.count(), f.count()));
    }
    if (f.has_seldom_heard_count()) {
      RETURN_IF_ERROR(CheckReachTotal("fields.seldom_heard_count",
                                      experiment->seldom_heard_reached_count(),
                                      target.seldom_heard_count(), f.seldom_heard_count()));
    }
  }
  return CheckCorrectedDates(f, target, programme, experiment);
}

}  // namespace

namespace {

// The correctable fields of each correctable type, and whether it is one of the repeating kinds
// (kRepeating, not a field), by stored type name: one lookup where a chain of comparisons of
// names that share their first 13 characters took ~15 (Evolve asks for every event).
constexpr uint32_t kRepeating = 1u << 31;

const absl::flat_hash_map<std::string, uint32_t>& CorrectableTable() {
  static const auto* table = [] {
    const uint32_t dated = kCorrectOccurredOn;
    auto* t = new absl::flat_hash_map<std::string, uint32_t>();
    auto add = [t](const google::protobuf::Descriptor* d, uint32_t fields) {
      t->emplace(d->full_name(), fields);
    };
    add(v1::ProgrammeSubmittedToCouncil::descriptor(), kCorrectCouncilReference | dated);
    add(v1::CouncilInputRecorded::descriptor(),
        kCorrectText | kCorrectCouncilReference | dated | kRepeating);
    add(v1::CouncilInputAnswered::descriptor(),
        kCorrectText | kCorrectDecision | dated | kRepeating);
    add(v1::ProgrammeAdopted::descriptor(), kCorrectDecision);
    add(v1::KnowledgeSessionHeld::descriptor(), kCorrectCount | kCorrectText | dated | kRepeating);
    add(v1::ProgrammeEvaluated::descriptor(), kCorrectText | kCorrectDocument | dated);
    add(v1::ExperimentRejected::descriptor(), kCorrectDecision);
    add(v1::ExperimentSelected::descriptor(), kCorrectDecision);
    add(v1::ExperimentStarted::descriptor(), dated);
    add(v1::ActivityRecorded::descriptor(),
        kCorrectCount | kCorrectSeldomHeardCount | kCorrectText | dated | kRepeating);
    add(v1::ExpenditureRecorded::descriptor(),
        kCorrectAmount | kCorrectBudgetYear | kCorrectText | kCorrectDocument | dated | kRepeating);
    add(v1::ExperimentCompleted::descriptor(), kCorrectText | dated);
    add(v1::ExperimentStoppedEarly::descriptor(), dated);
    add(v1::ExperimentEvaluated::descriptor(), kCorrectText | kCorrectDocument | dated);
    return t;
  }();
  return *table;
}

uint32_t CorrectableEntry(std::string_view type) {
  const auto& table = CorrectableTable();
  auto it = table.find(absl::string_view(type.data(), type.size()));
  return it == table.end() ? 0 : it->second;
}

// CorrectableEntry of the type set in an event wrapper, by its oneof case from a table made
// once: Evolve asks for every event of a replay, and hashing the type's name each time was
// 2.5 % of a replay's instructions.
template <typename Wrapper>
uint32_t CorrectableEntryOf(const Wrapper& event) {
  static const std::vector<uint32_t> entries = [] {
    std::vector<uint32_t> e;
    const google::protobuf::Descriptor* d = Wrapper::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* f = d->field(i);
      if (f->containing_oneof() == nullptr || f->message_type() == nullptr) continue;
      if (e.size() <= static_cast<size_t>(f->number())) e.resize(f->number() + 1);
      e[f->number()] = CorrectableEntry(f->message_type()->full_name());
    }
    return e;
  }();
  const size_t c = static_cast<size_t>(event.event_case());
  return c < entries.size() ? entries[c] : 0;
}

template <typename Wrapper>
v1::CorrectableEvent* Remember(CorrectableList* list, const EventContext& context,
                               const Wrapper& event) {
  const uint64_t position = context.global_position;
  const uint32_t kind = CorrectableEntryOf(event);
  if (kind == 0) return nullptr;
  if (!context.remember_repeating && (kind & kRepeating) != 0) return nullptr;
  if (!list->empty() && list->rbegin()->position() >= position) return nullptr;  // not in order
  v1::CorrectableEvent* entry = list->Add();
  entry->set_position(position);
  entry->set_event_type(std::string(EventTypeName(event)));
  return entry;
}

}  // namespace

uint32_t CorrectableFields(std::string_view type) { return CorrectableEntry(type) & ~kRepeating; }

uint32_t SetFields(const v1::CorrectedFields& f) {
  uint32_t set = 0;
  if (f.has_amount()) set |= kCorrectAmount;
  if (f.has_budget_year()) set |= kCorrectBudgetYear;
  if (f.has_count()) set |= kCorrectCount;
  if (f.has_seldom_heard_count()) set |= kCorrectSeldomHeardCount;
  if (f.has_decision()) set |= kCorrectDecision;
  if (f.has_council_reference()) set |= kCorrectCouncilReference;
  if (f.has_occurred_on()) set |= kCorrectOccurredOn;
  if (f.has_text()) set |= kCorrectText;
  if (f.has_document()) set |= kCorrectDocument;
  return set;
}

std::string_view CorrectionFieldName(uint32_t bit) {
  static constexpr std::string_view kNames[] = {"fields.amount",      "fields.budget_year",
                                                "fields.count",       "fields.seldom_heard_count",
                                                "fields.decision",    "fields.council_reference",
                                                "fields.occurred_on", "fields.text",
                                                "fields.document"};
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (bit == (1u << i)) return kNames[i];
  }
  return "fields";
}

const v1::CorrectableEvent* FindCorrectable(const CorrectableList& list, uint64_t position) {
  auto it = std::lower_bound(list.begin(), list.end(), position,
                             [](const auto& e, uint64_t p) { return e.position() < p; });
  return it != list.end() && it->position() == position ? &*it : nullptr;
}

v1::CorrectableEvent* FindCorrectable(CorrectableList* list, uint64_t position) {
  return const_cast<v1::CorrectableEvent*>(FindCorrectable(std::as_const(*list), position));
}

v1::CorrectableEvent* RememberCorrectable(CorrectableList* list, const EventContext& context,
                                          const v1::ProgrammeEvent& event) {
  return Remember(list, context, event);
}

v1::CorrectableEvent* RememberCorrectable(CorrectableList* list, const EventContext& context,
                                          const v1::ExperimentEvent& event) {
  return Remember(list, context, event);
}

absl::Status DecideCommand(const v1::RecordCorrection& c, const Call& call) {
  RETURN_IF_ERROR(RequireReason("reason", c.reason()));
  if (SetFields(c.fields()) == 0) {
    return FieldError(rules::kCorrectionEmpty, "fields", "corrects nothing: set at least one");
  }
  RETURN_IF_ERROR(CheckFieldValues(c.fields(), call.now));
  const bool on_experiment = !c.experiment_id().empty();
  const CorrectableList& list = on_experiment ? call.experiment().correctable_events()
                                              : call.programme().correctable_events();
  const v1::CorrectableEvent* target = FindCorrectable(list, c.corrected_position());
  if (target == nullptr) {
    return RuleError(
        absl::StatusCode::kNotFound, rules::kCorrectionTarget,
        absl::StrCat("the stream has no correctable event at position ", c.corrected_position()));
  }
  RETURN_IF_ERROR(CheckAgainstTarget(c.fields(), *target, call.programme(),
                                     on_experiment ? &call.experiment() : nullptr));
  v1::CorrectionRecorded correction;
  correction.set_corrected_position(c.corrected_position());
  correction.set_corrected_event_type(target->event_type());
  *correction.mutable_fields() = c.fields();
  correction.set_reason(c.reason());
  const v1::Date today = call.today();
  if (on_experiment) {
    v1::ExperimentEvent event;
    *event.mutable_correction_recorded() = std::move(correction);
    EmitExperiment(call, std::move(event), today, c.reason());
  } else {
    v1::ProgrammeEvent event;
    *event.mutable_correction_recorded() = std::move(correction);
    EmitProgramme(call, std::move(event), today, c.reason());
  }
  return absl::OkStatus();
}

}  // namespace proeftuin::domain::internal

namespace proeftuin::domain {

bool IsRepeatingCorrectable(std::string_view type) {
  return (internal::CorrectableEntry(type) & internal::kRepeating) != 0;
}

}  // namespace proeftuin::domain
