// Rule ids of the programme domain and the errors that name them.
//
// Every rule of the municipal process has a stable id ("PT-COUNCIL-OPEN", ...). An error the
// domain returns has a message that STARTS with the rule id, then ": ", then a sentence naming
// the object, e.g. "PT-COUNCIL-OPEN: cannot adopt programme lv-2024-2027: 2 council inputs have
// no college response". docs/DOMAIN-RULES.md explains every id.
//
// Status codes, by principle:
//   INVALID_ARGUMENT     the request itself is wrong and fixing the request fixes it (a field
//                        is missing, malformed, too long, out of range; the field is named);
//   FAILED_PRECONDITION  a rule of the process forbids it in the current state;
//   NOT_FOUND            the programme, experiment, council input or corrected event is unknown;
//   ALREADY_EXISTS       drafting / proposing / recording something whose id is taken.
//
// Thread-safety: constants and pure functions only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace proeftuin::domain::rules {

// Input (INVALID_ARGUMENT), rule 9 and the "reason required" rule 8.
inline constexpr char kCommandEmpty[] = "PT-COMMAND-EMPTY";
inline constexpr char kIdInvalid[] = "PT-ID-INVALID";
inline constexpr char kFieldRequired[] = "PT-FIELD-REQUIRED";
inline constexpr char kTextTooLong[] = "PT-TEXT-TOO-LONG";
inline constexpr char kAmountInvalid[] = "PT-AMOUNT-INVALID";
inline constexpr char kValueRange[] = "PT-VALUE-RANGE";
inline constexpr char kDuplicate[] = "PT-DUPLICATE";
inline constexpr char kDateInvalid[] = "PT-DATE-INVALID";
inline constexpr char kDateOrder[] = "PT-DATE-ORDER";
inline constexpr char kDateInFuture[] = "PT-DATE-IN-FUTURE";
inline constexpr char kBudgetSplit[] = "PT-BUDGET-SPLIT";
inline constexpr char kBudgetYearUnknown[] = "PT-BUDGET-YEAR-UNKNOWN";
inline constexpr char kLevelAndWaiver[] = "PT-LEVEL-AND-WAIVER";
inline constexpr char kDecidingBody[] = "PT-DECIDING-BODY";
inline constexpr char kReasonRequired[] = "PT-REASON-REQUIRED";
inline constexpr char kDecisionRequired[] = "PT-DECISION-REQUIRED";
inline constexpr char kEvaluateMissingScore[] = "PT-EVALUATE-MISSING-SCORE";
inline constexpr char kEvaluateUnknownCriterion[] = "PT-EVALUATE-UNKNOWN-CRITERION";
inline constexpr char kCorrectionEmpty[] = "PT-CORRECTION-EMPTY";
inline constexpr char kCorrectionField[] = "PT-CORRECTION-FIELD";
inline constexpr char kPredecessorLoop[] = "PT-PREDECESSOR-LOOP";

// Unknown objects (NOT_FOUND).
inline constexpr char kProgrammeNotFound[] = "PT-PROGRAMME-NOT-FOUND";
inline constexpr char kExperimentNotFound[] = "PT-EXPERIMENT-NOT-FOUND";
inline constexpr char kCouncilInputNotFound[] = "PT-COUNCIL-INPUT-NOT-FOUND";
inline constexpr char kCorrectionTarget[] = "PT-CORRECTION-TARGET";

// Taken ids (ALREADY_EXISTS).
inline constexpr char kProgrammeExists[] = "PT-PROGRAMME-EXISTS";
inline constexpr char kExperimentExists[] = "PT-EXPERIMENT-EXISTS";
inline constexpr char kCouncilInputExists[] = "PT-COUNCIL-INPUT-EXISTS";
inline constexpr char kSessionExists[] = "PT-SESSION-EXISTS";

// Process rules (FAILED_PRECONDITION).
inline constexpr char kProgrammeClosed[] = "PT-PROGRAMME-CLOSED";
inline constexpr char kProgrammeEvaluated[] = "PT-PROGRAMME-EVALUATED";
inline constexpr char kProgrammeAdopted[] = "PT-PROGRAMME-ADOPTED";
inline constexpr char kProgrammeNotAdopted[] = "PT-PROGRAMME-NOT-ADOPTED";
inline constexpr char kProgrammeNotEvaluated[] = "PT-PROGRAMME-NOT-EVALUATED";
inline constexpr char kProgrammeExperimentsOpen[] = "PT-PROGRAMME-EXPERIMENTS-OPEN";
inline constexpr char kCouncilNotSubmitted[] = "PT-COUNCIL-NOT-SUBMITTED";
inline constexpr char kCouncilAlreadySubmitted[] = "PT-COUNCIL-ALREADY-SUBMITTED";
inline constexpr char kCouncilOpen[] = "PT-COUNCIL-OPEN";
inline constexpr char kCouncilClosed[] = "PT-COUNCIL-CLOSED";
inline constexpr char kCouncilInputAnswered[] = "PT-COUNCIL-INPUT-ANSWERED";
inline constexpr char kSelectNoCriteria[] = "PT-SELECT-NO-CRITERIA";
inline constexpr char kSelectNoLevel[] = "PT-SELECT-NO-LEVEL";
inline constexpr char kSelectNoPlanning[] = "PT-SELECT-NO-PLANNING";
inline constexpr char kPlanningOutsidePeriod[] = "PT-PLANNING-OUTSIDE-PERIOD";
inline constexpr char kBudgetExceeded[] = "PT-BUDGET-EXCEEDED";
inline constexpr char kBudgetYearExceeded[] = "PT-BUDGET-YEAR-EXCEEDED";
inline constexpr char kExperimentStatus[] = "PT-EXPERIMENT-STATUS";
inline constexpr char kExperimentEvaluated[] = "PT-EXPERIMENT-EVALUATED";
inline constexpr char kStartNotSelected[] = "PT-START-NOT-SELECTED";
inline constexpr char kExpenditureNotStarted[] = "PT-EXPENDITURE-NOT-STARTED";
inline constexpr char kEvaluateNotEnded[] = "PT-EVALUATE-NOT-ENDED";
inline constexpr char kAmendAfterSelection[] = "PT-AMEND-AFTER-SELECTION";
inline constexpr char kWithdrawStarted[] = "PT-WITHDRAW-STARTED";

// Every rule id above, in declaration order (for documentation checks).
const std::vector<std::string_view>& AllRuleIds();

}  // namespace proeftuin::domain::rules

namespace proeftuin::domain {

// "<rule>: <detail>" with the given code. `rule` is one of the ids above.
absl::Status RuleError(absl::StatusCode code, const char* rule, std::string_view detail);

// INVALID_ARGUMENT "<rule>: field <field> <problem>", e.g. (kTextTooLong, "design.title",
// "has 250 characters, at most 200").
absl::Status FieldError(const char* rule, std::string_view field, std::string_view problem);

// FAILED_PRECONDITION "<rule>: <detail>".
absl::Status PreconditionError(const char* rule, std::string_view detail);

// The rule id an error starts with ("PT-COUNCIL-OPEN"), or "" when it names none (including OK).
std::string RuleIdOf(const absl::Status& status);

// Rewrites "<rule>: <detail>" to "<rule>: cannot <action>: <detail>" (same code), so that every
// error names the action and its object. OK and rule-less statuses pass through unchanged.
absl::Status WithAction(const absl::Status& status, std::string_view action);

}  // namespace proeftuin::domain
