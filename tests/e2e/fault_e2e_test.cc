// End to end through the fault-injecting file system of the test build proeftuind_faulty
// (services/server/fault_control.h), while concurrent clients send real commands: a full disk
// fails commands with RESOURCE_EXHAUSTED, EIO on write or on fsync with UNAVAILABLE; health
// goes NOT_SERVING; reads (GetProgramme, ReadAll, Verify) keep working; the server stays up and
// serves again when the fault clears. Each test ends with a simulated power cut (everything not
// synced is dropped) and a restart with the normal proeftuind: every acknowledged command is in
// the log where its answer said, positions have no gaps, the chain verifies, and no append
// appears half-written.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "crash/command_load.h"
#include "crash/log_check.h"
#include "e2e/server_process.h"
#include "integration/store_fixture.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::crash {
namespace {

using Clock = std::chrono::steady_clock;

struct Fault {
  const char* command;  // written to <data-dir>/fault-control
  grpc::StatusCode code;
};

void PrintTo(const Fault& f, std::ostream* os) { *os << f.command; }

// Load phases. While a fault is being switched on or off (kInjecting, kRecovering) a command
// may succeed or fail with the fault's code; while it is on (kFaulty) every command fails with
// it; otherwise every command succeeds, until the power cut.
enum Phase { kHealthy, kInjecting, kFaulty, kRecovering, kRecovered, kPowerCut };

class StoreFault : public ::testing::TestWithParam<Fault> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<e2e::ServerProcess>(dir_.Sub("data"));
    server_->set_binary(PROEFTUIND_FAULTY_BINARY);
    server_->Start();
    ASSERT_GT(server_->port(), 0);
    admin_ = server_->AdminToken();
    tokens_ = CreateLoadPrincipals(*server_);
  }

  void TearDown() override {
    if (server_->running()) {
      EXPECT_EQ(server_->Stop(), 0) << server_->Log();
    }
  }

  // Hands `command` to the server and waits until it took it (the server deletes the file).
  void Inject(const std::string& command) {
    std::string file = server_->data_dir() + "/fault-control";
    std::ofstream(file + ".tmp") << command << "\n";
    std::filesystem::rename(file + ".tmp", file);
    for (auto until = Clock::now() + std::chrono::seconds(10); std::filesystem::exists(file);) {
      ASSERT_LT(Clock::now(), until) << "proeftuind_faulty did not take '" << command << "'";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // `proeftuind health` against the server: 0 serving, 1 not serving (3 unreachable).
  int Health() {
    std::string probe = e2e::ProeftuindPath() + " health --timeout 2 --server " + server_->address() + " >/dev/null";
    int status = std::system(probe.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void WaitForHealth(int expected, const char* what) {
    for (auto until = Clock::now() + std::chrono::seconds(20); Health() != expected;) {
      ASSERT_LT(Clock::now(), until) << "health did not become " << what << "\n" << server_->Log();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  static void WaitUntil(const std::function<bool()>& done, const char* what) {
    for (auto until = Clock::now() + std::chrono::seconds(30); !done();) {
      ASSERT_LT(Clock::now(), until) << "timed out waiting for " << what;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // GetProgramme of a programme of the load, the whole log through ReadAll, Verify.
  void ExpectReadsWork(const std::string& programme) {
    auto programmes = v1::ProgrammeService::NewStub(server_->Channel());
    v1::GetProgrammeRequest get;
    get.set_programme_id(programme);
    v1::GetProgrammeResponse view;
    grpc::Status s = programmes->GetProgramme(e2e::Ctx(admin_).get(), get, &view);
    EXPECT_TRUE(s.ok()) << "GetProgramme: " << s.error_message();
    EXPECT_EQ(view.programme().programme_id(), programme);
    LogIndex log = ReadLog(server_->Channel().get(), admin_);
    EXPECT_GT(log.head, 0u);
    ExpectChainVerifies(server_->Channel().get(), admin_, log.head);
  }

  // The fault goes on under load: health NOT_SERVING, commands fail, reads keep working.
  void SwitchFaultOn(CommandLoad& load, const std::string& fault) {
    load.set_phase(kInjecting);
    Inject(fault);
    load.set_phase(kFaulty);
    WaitForHealth(1, "NOT_SERVING");
    auto failures_in_fault = [&] {
      size_t n = 0;
      for (const Outcome& o : load.outcomes()) n += !o.status.ok() && o.phase_started == kFaulty;
      return n;
    };
    WaitUntil([&] { return failures_in_fault() >= 8; }, "commands to fail under the fault");
    ExpectReadsWork(load.programmes()[0]);
    EXPECT_EQ(Health(), 1) << "the store wrote again while the fault was on";
  }

  // The fault clears: the same server serves again and commands succeed.
  void SwitchFaultOff(CommandLoad& load) {
    load.set_phase(kRecovering);
    Inject("clear");
    WaitForHealth(0, "SERVING again");
    load.set_phase(kRecovered);
    size_t before = load.acknowledged();
    WaitUntil([&] { return load.acknowledged() >= before + 40; }, "40 commands after the fault cleared");
  }

  // The power goes under load; the normal proeftuind starts on what was synced. Returns every
  // outcome of the load.
  std::vector<Outcome> PowerCutAndRestart(CommandLoad& load) {
    load.set_phase(kPowerCut);
    Inject("power-cut");
    int status = HasFatalFailure() ? server_->Stop(SIGKILL) : server_->WaitForExit();
    load.Stop();
    faulty_log_ = server_->Log();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 137) << "status " << status << "\n" << faulty_log_;
    server_->set_binary(e2e::ProeftuindPath());
    server_->Start();
    return load.outcomes();
  }

  eventstore::testing::TempDir dir_;
  std::unique_ptr<e2e::ServerProcess> server_;
  std::string faulty_log_;
  std::string admin_;
  LoadTokens tokens_;
};

// Every failure overlapped a phase whose fault explains its code; nothing succeeded that both
// started and ended while the store could not write.
void ExpectOutcomesFitThePhases(const std::vector<Outcome>& outcomes, grpc::StatusCode fault_code) {
  size_t failed_in_fault = 0;
  for (const Outcome& o : outcomes) {
    bool overlaps_fault = o.phase_started <= kRecovering && o.phase_ended >= kInjecting;
    bool overlaps_power_cut = o.phase_ended == kPowerCut;
    if (o.status.ok()) {
      EXPECT_FALSE(o.phase_started == kFaulty && o.phase_ended == kFaulty)
          << o.request_id << " succeeded while the store could not write";
      continue;
    }
    if (overlaps_power_cut) continue;  // the server died under it: any error
    EXPECT_TRUE(overlaps_fault) << o.request_id << " failed outside the fault: " << o.status.error_code() << " "
                                << o.status.error_message();
    EXPECT_EQ(o.status.error_code(), fault_code) << o.request_id << ": " << o.status.error_message();
    if (o.phase_started == kFaulty && o.phase_ended == kFaulty) {
      EXPECT_NE(o.status.error_message().find("injected"), std::string::npos) << o.status.error_message();
      ++failed_in_fault;
    }
  }
  EXPECT_GT(failed_in_fault, 0u) << "no command failed while the fault was on";
}

TEST_P(StoreFault, FailsCommandsKeepsReadsRecoversAndSurvivesAPowerCut) {
  CommandLoad load(server_->Channel(), tokens_, "fault", 4);
  load.Start();
  WaitUntil([&] { return load.acknowledged() >= 40; }, "40 commands before the fault");
  SwitchFaultOn(load, GetParam().command);
  SwitchFaultOff(load);
  std::vector<Outcome> outcomes = PowerCutAndRestart(load);
  ExpectOutcomesFitThePhases(outcomes, GetParam().code);
  LogIndex log = ReadLog(server_->Channel().get(), admin_);
  Durability d = CheckDurability(log, outcomes, "fault-");
  EXPECT_GE(d.acknowledged, 80u);
  ExpectChainVerifies(server_->Channel().get(), admin_, log.head);
  if (HasFailure()) {
    std::fprintf(stderr, "proeftuind_faulty's log:\n%s\nproeftuind's log after the restart:\n%s\n",
                 faulty_log_.c_str(), server_->Log().c_str());
  }
  EXPECT_EQ(Health(), 0);

  // The store writes on after the power returns, continuing the chain.
  CommandLoad after(server_->Channel(), tokens_, "after", 1);
  after.Start();
  WaitUntil([&] { return after.acknowledged() >= 5; }, "commands after the restart");
  after.Stop();
  LogIndex later = ReadLog(server_->Channel().get(), admin_);
  CheckDurability(later, after.outcomes(), "after-");
  ExpectChainVerifies(server_->Channel().get(), admin_, later.head);
}

INSTANTIATE_TEST_SUITE_P(FaultE2e, StoreFault,
                         ::testing::Values(Fault{"enospc", grpc::StatusCode::RESOURCE_EXHAUSTED},
                                           Fault{"eio-write", grpc::StatusCode::UNAVAILABLE},
                                           Fault{"eio-sync", grpc::StatusCode::UNAVAILABLE}),
                         [](const ::testing::TestParamInfo<Fault>& info) {
                           std::string name = info.param.command;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace proeftuin::crash
