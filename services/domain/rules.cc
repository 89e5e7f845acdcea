#include "domain/rules.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace proeftuin::domain {
namespace rules {

const std::vector<std::string_view>& AllRuleIds() {
  static const auto* const kAll = new std::vector<std::string_view>{
      kCommandEmpty,
      kIdInvalid,
      kFieldRequired,
      kTextTooLong,
      kAmountInvalid,
      kValueRange,
      kDuplicate,
      kDateInvalid,
      kDateOrder,
      kDateInFuture,
      kBudgetSplit,
      kBudgetYearUnknown,
      kLevelAndWaiver,
      kDecidingBody,
      kReasonRequired,
      kDecisionRequired,
      kEvaluateMissingScore,
      kEvaluateUnknownCriterion,
      kCorrectionEmpty,
      kCorrectionField,
      kProgrammeNotFound,
      kExperimentNotFound,
      kCouncilInputNotFound,
      kCorrectionTarget,
      kProgrammeExists,
      kExperimentExists,
      kCouncilInputExists,
      kSessionExists,
      kProgrammeClosed,
      kProgrammeEvaluated,
      kProgrammeAdopted,
      kProgrammeNotAdopted,
      kProgrammeNotEvaluated,
      kProgrammeExperimentsOpen,
      kCouncilNotSubmitted,
      kCouncilAlreadySubmitted,
      kCouncilOpen,
      kCouncilClosed,
      kCouncilInputAnswered,
      kSelectNoCriteria,
      kSelectNoLevel,
      kSelectNoPlanning,
      kPlanningOutsidePeriod,
      kBudgetExceeded,
      kBudgetYearExceeded,
      kExperimentStatus,
      kExperimentEvaluated,
      kStartNotSelected,
      kExpenditureNotStarted,
      kEvaluateNotEnded,
      kAmendAfterSelection,
      kWithdrawStarted,
  };
  return *kAll;
}

}  // namespace rules

namespace {

// Length of the "PT-XXX" prefix of a message, or 0 when it has none.
size_t RulePrefixLength(std::string_view message) {
  if (message.substr(0, 3) != "PT-") return 0;
  size_t i = 3;
  while (i < message.size() && ((message[i] >= 'A' && message[i] <= 'Z') || message[i] == '-' ||
                                (message[i] >= '0' && message[i] <= '9'))) {
    ++i;
  }
  if (i == 3 || i >= message.size() || message[i] != ':') return 0;
  return i;
}

}  // namespace

absl::Status RuleError(absl::StatusCode code, const char* rule, std::string_view detail) {
  return absl::Status(code, absl::StrCat(rule, ": ", std::string(detail)));
}

absl::Status FieldError(const char* rule, std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(rule, ": field ", std::string(field), " ", std::string(problem)));
}

absl::Status PreconditionError(const char* rule, std::string_view detail) {
  return RuleError(absl::StatusCode::kFailedPrecondition, rule, detail);
}

std::string RuleIdOf(const absl::Status& status) {
  const std::string_view message(status.message().data(), status.message().size());
  return std::string(message.substr(0, RulePrefixLength(message)));
}

absl::Status WithAction(const absl::Status& status, std::string_view action) {
  const std::string_view message(status.message().data(), status.message().size());
  const size_t prefix = RulePrefixLength(message);
  if (status.ok() || prefix == 0) return status;
  std::string_view detail = message.substr(prefix + 1);
  if (!detail.empty() && detail.front() == ' ') detail.remove_prefix(1);
  return absl::Status(status.code(),
                      absl::StrCat(std::string(message.substr(0, prefix)), ": cannot ",
                                   std::string(action), ": ", std::string(detail)));
}

}  // namespace proeftuin::domain
