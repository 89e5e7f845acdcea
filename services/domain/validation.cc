#include "domain/internal/validation.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/rules.h"
#include "eventstore/status_macros.h"

namespace proeftuin::domain {
namespace {

// Number of Unicode code points in UTF-8 text (continuation bytes are not counted).
size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Sub(std::string_view field, std::string_view name) {
  return absl::StrCat(std::string(field), ".", std::string(name));
}

std::string Index(std::string_view field, int i) {
  return absl::StrCat(std::string(field), "[", i, "]");
}

}  // namespace

bool IsSlug(std::string_view value) {
  if (value.empty() || value.size() > kMaxIdLength) return false;
  if (value.front() == '-' || value.back() == '-') return false;
  char previous = 0;
  for (char c : value) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-') return false;
    if (c == '-' && previous == '-') return false;
    previous = c;
  }
  return true;
}

absl::Status CheckId(std::string_view field, std::string_view value, Need need) {
  if (value.empty()) {
    if (need == Need::kOptional) return absl::OkStatus();
    return FieldError(rules::kFieldRequired, field, "is required");
  }
  if (!IsSlug(value)) {
    return FieldError(
        rules::kIdInvalid, field,
        absl::StrCat("must be a lowercase slug (a-z, 0-9, single dashes, at most ", kMaxIdLength,
                     " characters), got \"", std::string(value.substr(0, kMaxIdLength)), "\""));
  }
  return absl::OkStatus();
}

bool IsBlank(std::string_view value) {
  return value.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

absl::Status CheckText(std::string_view field, std::string_view value, size_t max_chars,
                       Need need) {
  const size_t n = CodePoints(value);
  if (need == Need::kRequired && IsBlank(value)) {
    return FieldError(rules::kFieldRequired, field, "is required");
  }
  if (n > max_chars) {
    return FieldError(rules::kTextTooLong, field,
                      absl::StrCat("has ", n, " characters, at most ", max_chars));
  }
  return absl::OkStatus();
}

absl::Status CheckTextList(std::string_view field,
                           const google::protobuf::RepeatedPtrField<std::string>& values,
                           size_t max_chars) {
  RETURN_IF_ERROR(CheckItemCount(field, values.size()));
  for (int i = 0; i < values.size(); ++i) {
    RETURN_IF_ERROR(CheckText(Index(field, i), values[i], max_chars, Need::kRequired));
  }
  return absl::OkStatus();
}

absl::Status CheckItemCount(std::string_view field, int count, int max) {
  if (count > max) {
    return FieldError(rules::kValueRange, field,
                      absl::StrCat("has ", count, " entries, at most ", max));
  }
  return absl::OkStatus();
}

absl::Status CheckCount(std::string_view field, int64_t value, int64_t max) {
  if (value < 0 || value > max) {
    return FieldError(rules::kValueRange, field,
                      absl::StrCat("is ", value, ", must be between 0 and ", max));
  }
  return absl::OkStatus();
}

absl::Status CheckReachTotal(std::string_view field, int64_t total, int64_t before, int64_t after) {
  const int64_t next = total - before + after;
  if (next > kMaxReachTotal) {
    return FieldError(rules::kValueRange, field,
                      absl::StrCat("would take the experiment's total over its activities to ",
                                   next, ", at most ", kMaxReachTotal));
  }
  return absl::OkStatus();
}

absl::Status CheckMoney(std::string_view field, const v1::Money& money) {
  if (money.cents() < 0 || money.cents() > kMaxCents) {
    return FieldError(
        rules::kAmountInvalid, Sub(field, "cents"),
        absl::StrCat("is ", money.cents(), ", must be whole euro cents between 0 and ", kMaxCents));
  }
  return absl::OkStatus();
}

absl::Status CheckRequiredMoney(std::string_view field, bool present, const v1::Money& money) {
  if (!present) return FieldError(rules::kFieldRequired, field, "is required");
  return CheckMoney(field, money);
}

absl::Status CheckBudgetYear(std::string_view field, int year) {
  if (year < kMinBudgetYear || year > kMaxBudgetYear) {
    return FieldError(rules::kValueRange, field,
                      absl::StrCat("is ", year, ", must be a budget year between ", kMinBudgetYear,
                                   " and ", kMaxBudgetYear));
  }
  return absl::OkStatus();
}

absl::Status CheckEnum(std::string_view field, int value, bool (*is_valid)(int), Need need) {
  if (value == 0 && need == Need::kRequired) {
    return FieldError(rules::kFieldRequired, field, "is required");
  }
  if (!is_valid(value)) {
    return FieldError(rules::kValueRange, field, absl::StrCat("has unknown value ", value));
  }
  return absl::OkStatus();
}

absl::Status CheckDate(std::string_view field, const v1::Date& date, Need need) {
  if (!IsSet(date)) {
    if (need == Need::kOptional) return absl::OkStatus();
    return FieldError(rules::kFieldRequired, field, "is required");
  }
  if (!IsValid(date)) {
    return FieldError(rules::kDateInvalid, field,
                      absl::StrCat("is not a valid calendar date (", date.year(), "-", date.month(),
                                   "-", date.day(), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckFactDate(std::string_view field, const v1::Date& date, absl::Time now) {
  RETURN_IF_ERROR(CheckDate(field, date, Need::kOptional));
  if (IsSet(date) && CompareDates(date, DateOfUtc(now + absl::Hours(24))) > 0) {
    return FieldError(
        rules::kDateInFuture, field,
        absl::StrCat("is ", FormatDate(date), ", after today (", FormatDate(DateOfUtc(now)), ")"));
  }
  return absl::OkStatus();
}

v1::Date FactDate(const v1::Date& date, const v1::Date& today) { return IsSet(date) ? date : today; }

absl::Status CheckPeriod(std::string_view field, const v1::Date& start, const v1::Date& end) {
  RETURN_IF_ERROR(CheckDate(Sub(field, "start"), start, Need::kRequired));
  RETURN_IF_ERROR(CheckDate(Sub(field, "end"), end, Need::kRequired));
  return CheckNotBefore(Sub(field, "end"), end, Sub(field, "start"), start);
}

absl::Status CheckNotBefore(std::string_view later_field, const v1::Date& later,
                            std::string_view earlier_field, const v1::Date& earlier) {
  if (IsSet(later) && IsSet(earlier) && CompareDates(later, earlier) < 0) {
    return FieldError(rules::kDateOrder, later_field,
                      absl::StrCat("is ", FormatDate(later), ", before ",
                                   std::string(earlier_field), " ", FormatDate(earlier)));
  }
  return absl::OkStatus();
}

absl::Status CheckNotAfter(std::string_view earlier_field, const v1::Date& earlier,
                           std::string_view later_field, const v1::Date& later) {
  if (IsSet(later) && IsSet(earlier) && CompareDates(earlier, later) > 0) {
    return FieldError(rules::kDateOrder, earlier_field,
                      absl::StrCat("is ", FormatDate(earlier), ", after ", std::string(later_field),
                                   " ", FormatDate(later)));
  }
  return absl::OkStatus();
}

absl::Status CheckDocument(std::string_view field, const v1::DocumentReference& document) {
  RETURN_IF_ERROR(CheckText(Sub(field, "document_id"), document.document_id(), kMaxShortText));
  RETURN_IF_ERROR(CheckText(Sub(field, "title"), document.title(), kMaxShortText));
  return CheckText(Sub(field, "url"), document.url(), kMaxUrl);
}

absl::Status CheckCouncilReference(std::string_view field, const v1::CouncilReference& ref,
                                   Need need) {
  const Need parts = need;
  RETURN_IF_ERROR(CheckText(Sub(field, "meeting_id"), ref.meeting_id(), kMaxShortText, parts));
  RETURN_IF_ERROR(CheckDate(Sub(field, "meeting_date"), ref.meeting_date(), parts));
  RETURN_IF_ERROR(CheckText(Sub(field, "agenda_item"), ref.agenda_item(), kMaxShortText));
  RETURN_IF_ERROR(CheckText(Sub(field, "agenda_item_url"), ref.agenda_item_url(), kMaxUrl));
  RETURN_IF_ERROR(CheckText(Sub(field, "document_id"), ref.document_id(), kMaxShortText));
  RETURN_IF_ERROR(CheckText(Sub(field, "document_title"), ref.document_title(), kMaxShortText));
  RETURN_IF_ERROR(CheckText(Sub(field, "document_url"), ref.document_url(), kMaxUrl));
  if (need == Need::kRequired && ref.document_id().empty() && ref.agenda_item().empty()) {
    return FieldError(rules::kFieldRequired, Sub(field, "document_id"),
                      "is required (or an agenda_item)");
  }
  return absl::OkStatus();
}

bool IsGiven(const v1::DecisionReference& decision) {
  return !decision.identification().empty() || IsSet(decision.decision_date()) ||
         decision.deciding_body() != v1::DECIDING_BODY_UNSPECIFIED ||
         IsSet(decision.effective_date()) || !decision.url().empty() ||
         !decision.description().empty();
}

absl::Status CheckCollegeDecision(std::string_view field, const v1::DecisionReference& decision,
                                  Need need, absl::Time now) {
  if (need == Need::kOptional && !IsGiven(decision)) return absl::OkStatus();
  RETURN_IF_ERROR(CheckText(Sub(field, "identification"), decision.identification(), kMaxShortText,
                            Need::kRequired));
  RETURN_IF_ERROR(
      CheckDate(Sub(field, "decision_date"), decision.decision_date(), Need::kRequired));
  RETURN_IF_ERROR(CheckFactDate(Sub(field, "decision_date"), decision.decision_date(), now));
  RETURN_IF_ERROR(
      CheckDate(Sub(field, "effective_date"), decision.effective_date(), Need::kOptional));
  RETURN_IF_ERROR(CheckNotBefore(Sub(field, "effective_date"), decision.effective_date(),
                                 Sub(field, "decision_date"), decision.decision_date()));
  RETURN_IF_ERROR(CheckText(Sub(field, "url"), decision.url(), kMaxUrl));
  RETURN_IF_ERROR(CheckText(Sub(field, "description"), decision.description(), kMaxText));
  if (decision.deciding_body() != v1::DECIDING_BODY_UNSPECIFIED &&
      decision.deciding_body() != v1::DECIDING_BODY_COLLEGE) {
    return FieldError(rules::kDecidingBody, Sub(field, "deciding_body"),
                      "must be the college (DECIDING_BODY_COLLEGE)");
  }
  return absl::OkStatus();
}

absl::Status CheckPersonContact(std::string_view field, const v1::PersonContact& contact) {
  RETURN_IF_ERROR(CheckText(Sub(field, "name"), contact.name(), kMaxShortText));
  RETURN_IF_ERROR(CheckText(Sub(field, "email"), contact.email(), kMaxShortText));
  RETURN_IF_ERROR(CheckText(Sub(field, "phone"), contact.phone(), kMaxShortText));
  return CheckText(Sub(field, "address"), contact.address(), kMaxShortText);
}

absl::Status CheckYearAmounts(
    std::string_view field, const google::protobuf::RepeatedPtrField<v1::BudgetYearAmount>& list) {
  RETURN_IF_ERROR(CheckItemCount(field, list.size()));
  std::set<int> years;
  for (int i = 0; i < list.size(); ++i) {
    RETURN_IF_ERROR(CheckBudgetYear(Sub(Index(field, i), "year"), list[i].year()));
    RETURN_IF_ERROR(CheckMoney(Sub(Index(field, i), "amount"), list[i].amount()));
    if (!years.insert(list[i].year()).second) {
      return FieldError(rules::kDuplicate, Sub(Index(field, i), "year"),
                        absl::StrCat("repeats budget year ", list[i].year()));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBudget(std::string_view field, const v1::Budget& budget) {
  RETURN_IF_ERROR(CheckRequiredMoney(Sub(field, "total"), budget.has_total(), budget.total()));
  RETURN_IF_ERROR(CheckYearAmounts(Sub(field, "years"), budget.years()));
  RETURN_IF_ERROR(CheckText(Sub(field, "source"), budget.source(), kMaxShortText));
  if (budget.years().empty()) {
    return FieldError(rules::kFieldRequired, Sub(field, "years"), "needs at least one budget year");
  }
  int64_t sum = 0;
  for (const v1::BudgetYearAmount& year : budget.years()) sum += year.amount().cents();
  if (sum != budget.total().cents()) {
    return FieldError(
        rules::kBudgetSplit, Sub(field, "years"),
        absl::StrCat("add up to ", sum, " cents, the total is ", budget.total().cents()));
  }
  return absl::OkStatus();
}

}  // namespace proeftuin::domain
