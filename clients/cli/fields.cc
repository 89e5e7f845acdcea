#include "cli/fields.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/format.h"
#include "google/protobuf/util/json_util.h"
#include "proeftuin/v1/domain_types_events.pb.h"

namespace proeftuin::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::string_view Abs(std::string_view s) { return absl::string_view(s.data(), s.size()); }

const google::protobuf::EnumValueDescriptor* FindEnum(const google::protobuf::EnumDescriptor* e,
                                                      std::string_view text) {
  std::string want = absl::AsciiStrToLower(Abs(text));
  for (char& c : want) c = c == '-' ? '_' : c;
  for (int i = 0; i < e->value_count(); ++i) {
    const auto* v = e->value(i);
    if (v->number() == 0) continue;
    if (ShortEnum(v) == want || absl::AsciiStrToLower(v->name()) == want) return v;
  }
  return nullptr;
}

// YEAR=EUROS (BudgetYearAmount) and CRITERION=SCORE (CriterionScore); `handled` is false for
// other types.
bool SetPairLeaf(Message* leaf, std::string_view value, std::string* error, bool* handled) {
  const std::string& type = leaf->GetDescriptor()->full_name();
  *handled = true;
  std::pair<std::string, std::string> kv = absl::StrSplit(Abs(value), absl::MaxSplits('=', 1));
  if (type == "proeftuin.v1.BudgetYearAmount") {
    auto* b = static_cast<v1::BudgetYearAmount*>(leaf);
    int64_t cents = 0;
    int year = 0;
    std::string why;
    if (absl::SimpleAtoi(kv.first, &year) && ParseEuro(kv.second, &cents, &why)) {
      b->set_year(year);
      b->mutable_amount()->set_cents(cents);
      return true;
    }
    *error = "expected YEAR=EUROS (e.g. 2025=70000), got '" + std::string(value) + "'" +
             (why.empty() ? "" : ": " + why);
    return false;
  }
  if (type == "proeftuin.v1.CriterionScore") {
    auto* s = static_cast<v1::CriterionScore*>(leaf);
    const auto* score = FindEnum(v1::Score_descriptor(), kv.second);
    if (!kv.first.empty() && score != nullptr) {
      s->set_criterion_id(kv.first);
      s->set_score(static_cast<v1::Score>(score->number()));
      return true;
    }
    *error = "expected CRITERION=good|sufficient|insufficient, got '" + std::string(value) + "'";
    return false;
  }
  *handled = false;
  return false;
}

// Fills a message-typed leaf from text; false when the type has no text form.
bool SetMessageLeaf(Message* leaf, std::string_view value, std::string* error) {
  const std::string& type = leaf->GetDescriptor()->full_name();
  if (type == "proeftuin.v1.Date") {
    if (ParseDate(value, static_cast<v1::Date*>(leaf))) return true;
    *error = "expected a date YYYY-MM-DD, got '" + std::string(value) + "'";
    return false;
  }
  if (type == "proeftuin.v1.Money") {
    int64_t cents = 0;
    if (ParseEuro(value, &cents, error)) {
      static_cast<v1::Money*>(leaf)->set_cents(cents);
      return true;
    }
    return false;
  }
  bool handled = false;
  bool ok = SetPairLeaf(leaf, value, error, &handled);
  if (handled) return ok;
  *error = "has no flag form (" + type + "); use -f FILE";
  return false;
}

// Integers and booleans; false when `v` does not parse.
bool SetNumber(Message* m, const FieldDescriptor* f, absl::string_view v) {
  const Reflection* r = m->GetReflection();
  bool rep = f->is_repeated();
  int32_t i32 = 0;
  int64_t i64 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  bool b = false;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      if (!absl::SimpleAtoi(v, &i32)) return false;
      rep ? r->AddInt32(m, f, i32) : r->SetInt32(m, f, i32);
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      if (!absl::SimpleAtoi(v, &i64)) return false;
      rep ? r->AddInt64(m, f, i64) : r->SetInt64(m, f, i64);
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      if (!absl::SimpleAtoi(v, &u32)) return false;
      rep ? r->AddUInt32(m, f, u32) : r->SetUInt32(m, f, u32);
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      if (!absl::SimpleAtoi(v, &u64)) return false;
      rep ? r->AddUInt64(m, f, u64) : r->SetUInt64(m, f, u64);
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!absl::SimpleAtob(v, &b)) return false;
      rep ? r->AddBool(m, f, b) : r->SetBool(m, f, b);
      return true;
    default:
      return false;
  }
}

bool SetScalar(Message* m, const FieldDescriptor* f, std::string_view value, std::string* error) {
  const Reflection* r = m->GetReflection();
  bool rep = f->is_repeated();
  auto fail = [&](const std::string& what) {
    *error = "expected " + what + ", got '" + std::string(value) + "'";
    return false;
  };
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    rep ? r->AddString(m, f, std::string(value)) : r->SetString(m, f, std::string(value));
    return true;
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    const auto* e = FindEnum(f->enum_type(), value);
    if (e == nullptr) return fail("one of " + EnumChoices(f->enum_type()));
    rep ? r->AddEnum(m, f, e) : r->SetEnum(m, f, e);
    return true;
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    Message* leaf = rep ? r->AddMessage(m, f) : r->MutableMessage(m, f);
    if (SetMessageLeaf(leaf, value, error)) return true;
    if (rep) r->RemoveLast(m, f);
    return false;
  }
  if (SetNumber(m, f, Abs(value))) return true;
  return fail(f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL ? "true or false" : "a whole number");
}

// The message that holds the last field of `path` in `m`, and that field; false with why.
bool Resolve(Message* m, std::string_view path, Message** holder, const FieldDescriptor** field,
             std::string* error) {
  std::vector<std::string> parts = absl::StrSplit(Abs(path), '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(parts[i]);
    if (f == nullptr) {
      *error = "no field " + std::string(path) + " in " + m->GetDescriptor()->name();
      return false;
    }
    if (i + 1 == parts.size()) {
      *holder = m;
      *field = f;
      return true;
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
      *error = "field " + parts[i] + " of " + std::string(path) + " is not a single message";
      return false;
    }
    m = m->GetReflection()->MutableMessage(m, f);
  }
  *error = "no field in an empty path";
  return false;
}

// Each "YEAR=EUROS" replaces the entry of its year in the repeated BudgetYearAmount field `f` of
// `m`, or is inserted in year order.
bool ReplaceYears(Message* m, const FieldDescriptor* f, const std::vector<std::string>& values,
                  std::string* error) {
  const Reflection* r = m->GetReflection();
  auto year_at = [&](int i) {
    return static_cast<const v1::BudgetYearAmount&>(r->GetRepeatedMessage(*m, f, i)).year();
  };
  std::vector<int> given;
  for (const std::string& value : values) {
    v1::BudgetYearAmount b;
    bool handled = false;
    if (!SetPairLeaf(&b, value, error, &handled)) return false;
    if (std::find(given.begin(), given.end(), b.year()) != given.end()) {
      *error = "year " + std::to_string(b.year()) + " is given twice";
      return false;
    }
    given.push_back(b.year());
    int i = 0;
    while (i < r->FieldSize(*m, f) && year_at(i) != b.year()) ++i;
    if (i == r->FieldSize(*m, f)) r->AddMessage(m, f);
    r->MutableRepeatedMessage(m, f, i)->CopyFrom(b);
    for (; i > 0 && year_at(i - 1) > b.year(); --i) r->SwapElements(m, f, i - 1, i);
  }
  return true;
}

}  // namespace

bool SetFieldByPath(Message* m, std::string_view path, std::string_view value, std::string* error) {
  Message* holder = nullptr;
  const FieldDescriptor* f = nullptr;
  return Resolve(m, path, &holder, &f, error) && SetScalar(holder, f, value, error);
}

bool ReplaceFieldByPath(Message* m, std::string_view path, const std::vector<std::string>& values,
                        std::string* error) {
  Message* holder = nullptr;
  const FieldDescriptor* f = nullptr;
  if (!Resolve(m, path, &holder, &f, error)) return false;
  if (f->is_repeated() && f->message_type() == v1::BudgetYearAmount::descriptor()) {
    return ReplaceYears(holder, f, values, error);
  }
  if (f->is_repeated()) holder->GetReflection()->ClearField(holder, f);
  for (const std::string& value : values) {
    if (!SetScalar(holder, f, value, error)) return false;
  }
  return true;
}

bool MergeJson(std::string_view json, Message* m, std::string* error) {
  std::unique_ptr<Message> parsed(m->New());
  google::protobuf::util::JsonParseOptions o;
  auto s = google::protobuf::util::JsonStringToMessage(std::string(json), parsed.get(), o);
  if (!s.ok()) {
    *error = std::string(s.message());
    return false;
  }
  m->MergeFrom(*parsed);
  return true;
}

std::string EnumChoices(const google::protobuf::EnumDescriptor* e) {
  std::string out;
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() == 0) continue;
    std::string name = ShortEnum(e->value(i));
    for (char& c : name) c = c == '_' ? '-' : c;
    out += (out.empty() ? "" : "|") + name;
  }
  return out;
}

}  // namespace proeftuin::cli
