// The audit export's CSV: a cell a spreadsheet would run as a formula is neutralised.
#include "cli/audit_html.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace proeftuin::cli {
namespace {

TEST(AuditCsv, CellsThatASpreadsheetWouldRunAsAFormulaGetALeadingApostrophe) {
  AuditExport x;
  for (const char* reason : {"=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "gewoon -", "2-1"}) {
    v1::Event& e = x.events.emplace_back();
    e.mutable_header()->set_position(x.events.size());
    e.mutable_header()->set_reason(reason);
  }
  const std::string csv = AuditCsv(x);
  for (const char* cell : {",'=1+1,", ",'+1,", ",'-2+3,", ",'@SUM(A1),", ",'\tx,", ",\"'\rx\","}) {
    EXPECT_THAT(csv, ::testing::HasSubstr(cell)) << csv;
  }
  EXPECT_THAT(csv, ::testing::HasSubstr(",gewoon -,"));
  EXPECT_THAT(csv, ::testing::HasSubstr(",2-1,"));
}

}  // namespace
}  // namespace proeftuin::cli
