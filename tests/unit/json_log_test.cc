// proeftuind's JSON-lines log (services/server/json_log.h): each line is written as it is
// logged, except inside a log batch, whose lines are written together when it ends; another
// thread's lines meanwhile are not held back.
#include "server/json_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "integration/store_fixture.h"

namespace proeftuin::server {
namespace {

class JsonLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("log.jsonl");
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    ASSERT_GE(fd_, 0);
    SetUpJsonLogging(fd_);
  }
  void TearDown() override {
    spdlog::set_default_logger(nullptr);
    ::close(fd_);
  }
  // The events ("event":"<name>") in the file so far, in order, space-separated.
  std::string Events() {
    std::ifstream in(path_);
    std::string line, out;
    while (std::getline(in, line)) {
      EXPECT_EQ(line.rfind("{\"time\":\"", 0), 0u) << line;
      EXPECT_EQ(line.back(), '}') << line;
      size_t at = line.find("\"event\":\"");
      if (at == std::string::npos) continue;
      at += 9;
      out += (out.empty() ? "" : " ") + line.substr(at, line.find('"', at) - at);
    }
    return out;
  }

  eventstore::testing::TempDir dir_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(JsonLogTest, LinesOutsideABatchAreWrittenAsTheyAreLogged) {
  spdlog::info(R"j("event":"one")j");
  EXPECT_EQ(Events(), "one");
  spdlog::warn(R"j("event":"two","n":2)j");
  EXPECT_EQ(Events(), "one two");
}

TEST_F(JsonLogTest, ABatchWritesItsLinesTogetherAtItsEnd) {
  spdlog::info(R"j("event":"before")j");
  BeginLogBatch();
  spdlog::info(R"j("event":"a")j");
  spdlog::info(R"j("event":"b")j");
  EXPECT_EQ(Events(), "before") << "held until the batch ends";
  BeginLogBatch();  // nested: the outermost writes
  spdlog::info(R"j("event":"c")j");
  EndLogBatch();
  EXPECT_EQ(Events(), "before");
  EndLogBatch();
  EXPECT_EQ(Events(), "before a b c");
  EndLogBatch();  // unmatched: nothing happens
  spdlog::info(R"j("event":"after")j");
  EXPECT_EQ(Events(), "before a b c after");
}

TEST_F(JsonLogTest, AnotherThreadsLinesAreNotHeldByABatch) {
  BeginLogBatch();
  spdlog::info(R"j("event":"held")j");
  std::thread([] { spdlog::info(R"j("event":"other")j"); }).join();
  EXPECT_EQ(Events(), "other");
  EndLogBatch();
  EXPECT_EQ(Events(), "other held");
}

}  // namespace
}  // namespace proeftuin::server
