// The CLI's formatting and parsing for people: amounts in Dutch and English style, text from the
// log made safe for a terminal, text cut by character, the end of a date range, exit codes.
#include "cli/format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "proeftuin/v1/views.pb.h"

namespace proeftuin::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int64_t Cents(std::string_view text) {
  int64_t cents = -1;
  std::string error;
  EXPECT_TRUE(ParseEuro(text, &cents, &error)) << text << ": " << error;
  return cents;
}

std::string Refusal(std::string_view text) {
  int64_t cents = -1;
  std::string error;
  EXPECT_FALSE(ParseEuro(text, &cents, &error)) << text << " gave " << cents;
  return error;
}

TEST(ParseEuro, ReadsDutchAndEnglishAmounts) {
  EXPECT_EQ(Cents("140000"), 14000000);
  EXPECT_EQ(Cents("1250.50"), 125050);
  EXPECT_EQ(Cents("1250,50"), 125050);
  EXPECT_EQ(Cents("1250,5"), 125050);
  EXPECT_EQ(Cents("1.250,50"), 125050);  // Dutch
  EXPECT_EQ(Cents("1,250.50"), 125050);  // English
  EXPECT_EQ(Cents("€ 140.000,00"), 14000000);
  EXPECT_EQ(Cents("€\xC2\xA0"
                  "140.000,00"),
            14000000);  // a no-break space after the sign
  EXPECT_EQ(Cents("EUR 1.250.000"), 125000000);
  EXPECT_EQ(Cents("1,250,000.75"), 125000075);
  EXPECT_EQ(Cents("12,-"), 1200);
  EXPECT_EQ(Cents("1.250,-"), 125000);
  EXPECT_EQ(Cents("0,50"), 50);
  EXPECT_EQ(Cents("0.5"), 50);
  EXPECT_EQ(Cents("0"), 0);
}

TEST(ParseEuro, OneSeparatorBeforeThreeDigitsGroupsThousandsOnlyAfterAGroupOfOneToThreeDigits) {
  EXPECT_EQ(Cents("1.250"), 125000);
  EXPECT_EQ(Cents("1,250"), 125000);
  EXPECT_EQ(Cents("999.999"), 99999900);
  // Not a thousands group: a leading 0, or more than 3 digits before it. Then it separates the
  // decimals, and three are too many.
  EXPECT_EQ(Refusal("0,125"), "'0,125' has 3 decimals; an amount has at most 2 (whole cents)");
  EXPECT_EQ(Refusal("1250.505"),
            "'1250.505' has 3 decimals; an amount has at most 2 (whole cents)");
  EXPECT_EQ(Refusal("1.250,505"),
            "'1.250,505' has 3 decimals; an amount has at most 2 (whole cents)");
  EXPECT_EQ(Refusal("1.2345"), "'1.2345' has 4 decimals; an amount has at most 2 (whole cents)");
}

TEST(ParseEuro, RefusesWhatIsNotAnAmount) {
  for (const char* text :
       {"veel", "", "€", "-12", "+12", "12 50", ",50", "12,", "1.25.000", "1,250,50", "0.250.000",
        "1.250,50.00", "1,250.000,5", "1.250,5,-", "12e3", "1.250 EUR"}) {
    EXPECT_THAT(Refusal(text), HasSubstr("expected an amount in euros")) << text;
  }
  EXPECT_EQ(Refusal("99999999999999"), "'99999999999999' is too large");
}

TEST(TextLines, BreaksLinesAndReplacesEveryControlCharacterAndBrokenUtf8) {
  EXPECT_THAT(TextLines("a\r\nb\rc\n\nd\n"), ::testing::ElementsAre("a", "b", "c", "d"));
  // C0 (TAB, ESC, BEL, NUL), DEL and C1 (U+009B, the one-byte CSI) become a space; a byte that
  // is not UTF-8 becomes U+FFFD; other text stays as it is.
  const char kRaw[] =
      "t\tb\x1b[2Jc\x07z\0n\x7f"
      "d\xC2\x9B"
      "e\xFF"
      "é€";
  EXPECT_EQ(OneLine(std::string_view(kRaw, sizeof(kRaw) - 1)),
            "t b [2Jc z n d e\xEF\xBF\xBD"
            "é€");
}

TEST(TextLines, DropsBidirectionalOverridesAndIsolates) {
  // "invoice" with an RLO ... PDF around part of it, and an RLI ... PDI: shown in logical order.
  EXPECT_EQ(OneLine("factuur \u202E01,000 \u20AC\u202C en \u2067abc\u2069 \u200F"),
            "factuur 01,000 \u20AC en abc \u200F");
}

TEST(TerminalJson, EscapesWhatATerminalActsOnAndKeepsTheValue) {
  nlohmann::json value = {
      {"title", std::string("caf\u00e9 \x7f \u009b2J \u202Eevil\u202C \u2066x\u2069\tend")}};
  const std::string dumped = value.dump(2);  // nlohmann leaves DEL, C1 and bidi controls raw
  ASSERT_NE(dumped.find("\xC2\x9B"), std::string::npos);
  const std::string safe = TerminalJson(dumped);
  EXPECT_EQ(safe.find("\x7f"), std::string::npos) << safe;
  EXPECT_EQ(safe.find("\xC2\x9B"), std::string::npos) << safe;
  EXPECT_EQ(safe.find("\u202E"), std::string::npos) << safe;
  EXPECT_EQ(safe.find("\u2066"), std::string::npos) << safe;
  EXPECT_THAT(safe,
              HasSubstr("caf\u00e9 \\u007f \\u009b2J \\u202eevil\\u202c \\u2066x\\u2069\\tend"));
  EXPECT_EQ(nlohmann::json::parse(safe), value) << "the escapes denote the same JSON value";
  // Layout kept: the newlines and indentation of the pretty form.
  EXPECT_EQ(std::count(safe.begin(), safe.end(), '\n'),
            std::count(dumped.begin(), dumped.end(), '\n'));
  // Text that is not JSON gets nothing raw through either.
  EXPECT_EQ(TerminalJson("not json \x1b[2J\r\xff"), "not json \\u001b[2J\\u000d\\ufffd");
}

TEST(ToJson, IsSafeForATerminal) {
  v1::ProgressReport r;  // any message with a string field
  r.set_programme_id("p\u202Ex\u009b");
  EXPECT_THAT(ToJson(r, false), HasSubstr(R"("p\u202ex\u009b")"));
}

TEST(Table, TextFromTheLogCannotSendControlSequencesOrBreakARow) {
  Table t({"ID", "TITLE"});
  t.AddRow({"a",
            "regel 1\r\nregel 2 \x1b]0;titel\x07 \x1b[2J\tklaar \xC2\x9B"
            "c1"});
  t.AddRow({"b", "ok"});
  const std::string out = t.Render(true);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_THAT(out, HasSubstr("\na   regel 1 regel 2  ]0;titel   [2J klaar  c1\nb   ok\n")) << out;
  // The only escapes are the header's own bold.
  EXPECT_EQ(out.find('\x1b', out.find('\n')), std::string::npos) << out;
  EXPECT_THAT(out, Not(HasSubstr("\xC2\x9B")));
}

TEST(KeyValues, ValuesAreOneLineWithoutControlCharactersAndKeepTheirTone) {
  const std::string out = KeyValues({{"Title", "Programma\n\x1b[31mrood"},
                                     {"Why", Cell("\r\n")},  // nothing left: the line is left out
                                     {"Health", Cell("ok", Tone::kGood)},
                                     {"Verified", Cell("NO", Tone::kBad)}},
                                    true);
  EXPECT_THAT(out, HasSubstr("Programma  [31mrood\n")) << out;
  EXPECT_THAT(out, Not(HasSubstr("Why"))) << out;
  EXPECT_THAT(out, HasSubstr("\x1b[32mok\x1b[0m\n")) << out;
  EXPECT_THAT(out, HasSubstr("\x1b[31mNO\x1b[0m\n")) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_EQ(KeyValues({{"Health", Cell("ok", Tone::kGood)}}, false), "Health  ok\n");
}

TEST(Truncate, CutsByCharacterNeverInsideOne) {
  std::string accents = "a";
  for (int i = 0; i < 40; ++i) accents += "é";  // 81 bytes, 41 characters
  std::string expected = "a";
  for (int i = 0; i < 28; ++i) expected += "é";
  EXPECT_EQ(Truncate(accents, 30), expected + "…");  // 30 characters, no é split
  EXPECT_EQ(Truncate(accents, 41), accents);
  EXPECT_EQ(Truncate("co-produce", 20), "co-produce");
  EXPECT_EQ(Truncate("none: geen inspraak mogelijk", 20), "none: geen inspraak…");
}

TEST(ParseInstantEnd, ADateAloneEndsWithThatDay) {
  int64_t end = 0, next_day = 0, noon = 0, noon_end = 0;
  ASSERT_TRUE(ParseInstantEnd("2024-07-09", &end));
  ASSERT_TRUE(ParseInstant("2024-07-10", &next_day));
  EXPECT_EQ(end, next_day);
  ASSERT_TRUE(ParseInstant("2024-07-09T12:00", &noon));
  ASSERT_TRUE(ParseInstantEnd("2024-07-09T12:00", &noon_end));
  EXPECT_EQ(noon_end, noon);
  // The day of the switch to summer time has 23 hours in Europe/Amsterdam.
  int64_t start = 0;
  ASSERT_TRUE(ParseInstant("2025-03-30", &start));
  ASSERT_TRUE(ParseInstantEnd("2025-03-30", &end));
  EXPECT_EQ(end - start, int64_t{23} * 3600 * 1000000);
  EXPECT_FALSE(ParseInstantEnd("2024-07-32", &end));
}

TEST(ExitCodeOf, FaultsOfTheServerHaveTheirOwnCode) {
  for (auto code :
       {grpc::StatusCode::INTERNAL, grpc::StatusCode::UNKNOWN, grpc::StatusCode::DATA_LOSS}) {
    EXPECT_EQ(ExitCodeOf(code), kExitServerFault) << code;
  }
  for (auto code : {grpc::StatusCode::FAILED_PRECONDITION, grpc::StatusCode::INVALID_ARGUMENT,
                    grpc::StatusCode::NOT_FOUND, grpc::StatusCode::ALREADY_EXISTS,
                    grpc::StatusCode::ABORTED, grpc::StatusCode::OUT_OF_RANGE}) {
    EXPECT_EQ(ExitCodeOf(code), kExitRefused) << code;
  }
  for (auto code : {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::RESOURCE_EXHAUSTED,
                    grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::UNAUTHENTICATED,
                    grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNIMPLEMENTED}) {
    EXPECT_EQ(ExitCodeOf(code), kExitUnavailable) << code;
  }
  Outcome o = FromStatus(grpc::Status(grpc::StatusCode::INTERNAL, "boom\n\x1b[2J"), nullptr,
                         "show programme x");
  EXPECT_EQ(o.exit_code, 4);
  EXPECT_EQ(o.message, "cannot show programme x: boom  [2J (INTERNAL)");
}

}  // namespace
}  // namespace proeftuin::cli
