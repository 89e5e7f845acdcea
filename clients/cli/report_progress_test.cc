// The council progress report of the example programme lv-2024-2027 (DOMAIN.md), built by the
// server's views (views::BuildProgressReport) over the real application path and rendered by
// the CLI: while the college answers the council (wb-1 answered, wb-2 and wb-3 open) and after
// closure. Compared with goldens in tests/e2e/golden/cli (PROEFTUIN_UPDATE_GOLDEN=1 rewrites
// them); the report date is fixed, so they do not change as days pass.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/report_progress.h"
#include "cli/report_render.h"
#include "views/testing/views_testing.h"
#include "views/views.h"

namespace proeftuin::cli {
namespace {

using ::testing::HasSubstr;

constexpr char kLv[] = "lv-2024-2027";
constexpr v1::Confidentiality kAll = v1::CONFIDENTIALITY_ZEER_GEHEIM;

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void ExpectGolden(const std::string& name, const std::string& text) {
  const std::string path = std::string(PROEFTUIN_REPORT_GOLDEN_DIR) + "/" + name;
  const char* update = std::getenv("PROEFTUIN_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(PROEFTUIN_REPORT_GOLDEN_DIR);
    std::ofstream(path, std::ios::trunc | std::ios::binary) << text;
    return;
  }
  EXPECT_EQ(text, Slurp(path)) << "golden " << path << " differs; PROEFTUIN_UPDATE_GOLDEN=1 rewrites it";
}

class ReportExample : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = new views::testing::ViewsStore();
    views::testing::RunExample(*store_, [](const domain::ExampleStep& step, const eventstore::AppendResult&) {
      if (step.label != "answer-wb-1") return;
      auto view = store_->store().OpenReadView();
      ASSERT_TRUE(view.ok()) << view.status();
      auto r = views::BuildProgressReport(**view, kLv, kAll, step.at);
      ASSERT_TRUE(r.ok()) << r.status();
      council_ = new v1::ProgressReport(*r);
    });
    auto view = store_->store().OpenReadView();
    ASSERT_TRUE(view.ok()) << view.status();
    const absl::Time after_closure = absl::FromCivil(absl::CivilSecond(2027, 4, 1, 12, 0, 0), absl::UTCTimeZone());
    auto r = views::BuildProgressReport(**view, kLv, kAll, after_closure);
    ASSERT_TRUE(r.ok()) << r.status();
    closed_ = new v1::ProgressReport(*r);
  }
  static void TearDownTestSuite() {
    delete store_;
    delete council_;
    delete closed_;
  }
  void SetUp() override {
    ASSERT_NE(council_, nullptr);
    ASSERT_NE(closed_, nullptr);
  }

  static views::testing::ViewsStore* store_;
  static v1::ProgressReport* council_;
  static v1::ProgressReport* closed_;
};

views::testing::ViewsStore* ReportExample::store_ = nullptr;
v1::ProgressReport* ReportExample::council_ = nullptr;
v1::ProgressReport* ReportExample::closed_ = nullptr;

TEST_F(ReportExample, WhileTheCollegeAnswersTheCouncil) {
  const std::string md = RenderMarkdown(ProgressReportDocument(*council_));
  // The report date is the server's (the store's clock, Europe/Amsterdam), not the machine's.
  EXPECT_THAT(md, HasSubstr("· peildatum 2024-07-08 ·")) << md;
  EXPECT_THAT(md, HasSubstr("| **Status** | aangeboden aan de raad voor wensen en bedenkingen |")) << md;
  // The college's response with its motivation, and what is still open.
  EXPECT_THAT(md, HasSubstr("| **Motivering** | Het jongerenpanel Stompwijk is opgenomen. |")) << md;
  EXPECT_THAT(md, HasSubstr("| **Nog zonder reactie van het college** | 2: wb-2, wb-3 |")) << md;
  EXPECT_THAT(md, HasSubstr("\n### Bedenking wb-2 (open)\n")) << md;
  // The knowledge session with its attendees; the budget per year.
  EXPECT_THAT(md, HasSubstr("| 2024-05-28 | Informele collegesessie over potentiele projecten (ks-1) | bijeenkomst | 9 |")) << md;
  EXPECT_THAT(md, HasSubstr("| 2025 | € 70.000,00 |")) << md;
  ExpectGolden("report_progress_council.md", md);
}

TEST_F(ReportExample, AfterClosureEveryPartIsShown) {
  const ReportDocument d = ProgressReportDocument(*closed_);
  const std::string md = RenderMarkdown(d);
  EXPECT_THAT(md, HasSubstr("| **Status** | afgesloten |")) << md;
  // Every council input answered, each with the college's motivation.
  EXPECT_THAT(md, HasSubstr("| **Nog zonder reactie van het college** | geen |")) << md;
  EXPECT_THAT(md, HasSubstr("Het budget blijft gelijk; een papieren variant wordt niet toegezegd.")) << md;
  EXPECT_THAT(md, HasSubstr("| **Reactie van het college** | deels overgenomen |")) << md;
  // The withdrawn youth panel: its allocation released (server's figure), not the design's.
  EXPECT_THAT(md, HasSubstr("(ingetrokken; toekenning vrijgevallen) | € 0,00 |")) << md;
  // An ended experiment shows 100 %, not its last reported percentage.
  for (const auto& x : closed_->experiments()) {
    if (x.summary().status() == v1::EXPERIMENT_STATUS_EVALUATED) {
      EXPECT_THAT(md, HasSubstr(x.summary().title() + " (" + x.summary().experiment_id() + ") | geëvalueerd |"));
    }
  }
  // Criteria with their scores and explanations, the programme's evaluation and decisions.
  EXPECT_THAT(md, HasSubstr("| Toetsingscriterium | Wat | Indicator | Norm | Score | Toelichting |")) << md;
  EXPECT_THAT(md, HasSubstr("\n## Besluiten\n")) << md;
  EXPECT_THAT(md, HasSubstr("B&W 24.0512")) << md;
  EXPECT_THAT(md, HasSubstr("Vier van de vijf")) << md;
  EXPECT_THAT(md, HasSubstr("\n### Aanbevelingen voor het volgende programma\n\n- ")) << md;
  EXPECT_THAT(md, HasSubstr("\n## Overige voorstellen\n")) << md;
  ExpectGolden("report_progress_closed.md", md);
  ExpectGolden("report_progress_closed.html", RenderHtml(d));
}

}  // namespace
}  // namespace proeftuin::cli
