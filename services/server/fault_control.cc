#include "server/fault_control.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rocksdb/env.h"
#include "server/json_log.h"
#include "testing/fault_fs.h"

namespace proeftuin::server {

FaultControl::FaultControl(std::string data_dir)
    : control_file_((std::filesystem::path(data_dir) / kFaultControlFile).string()) {}

FaultControl::~FaultControl() {
  stop_.store(true);
  if (poller_.joinable()) poller_.join();
}

rocksdb::Env* FaultControl::Wrap(rocksdb::Env* base) {
  fs_ = std::make_shared<eventstore::testing::FaultInjectionFs>(base->GetFileSystem());
  env_ = rocksdb::NewCompositeEnv(fs_);
  spdlog::warn(R"j("event":"fault_injection","note":"test build: faults injected on request","control_file":{})j",
               JsonString(control_file_));
  poller_ = std::thread([this] { Poll(); });
  return env_.get();
}

void FaultControl::Poll() {
  while (!stop_.load()) {
    std::ifstream in(control_file_);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      std::string command = ss.str();
      command.erase(command.find_last_not_of(" \t\r\n") + 1);
      Apply(command);
      std::error_code ec;
      std::filesystem::remove(control_file_, ec);  // the fault is on: a test may go ahead
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void FaultControl::Apply(const std::string& command) {
  spdlog::warn(R"j("event":"fault_injection","command":{})j", JsonString(command));
  if (command == "enospc") {
    fs_->FailWrites(rocksdb::IOStatus::NoSpace("injected ENOSPC"));
  } else if (command == "eio-write") {
    fs_->FailWrites(rocksdb::IOStatus::IOError("injected EIO on write"));
  } else if (command == "eio-sync") {
    fs_->FailSyncs(rocksdb::IOStatus::IOError("injected EIO on sync"));
  } else if (command == "clear") {
    fs_->ClearFaults();
  } else if (command == "power-cut") {
    // The machine dies: nothing more reaches the disk, and what was not synced is gone. (The
    // control file goes first, or the next start would cut the power again.)
    std::error_code ec;
    std::filesystem::remove(control_file_, ec);
    fs_->PowerCut();
    rocksdb::IOStatus dropped = fs_->DropUnsyncedData();
    spdlog::warn(R"j("event":"fault_injection","power_cut":true,"dropped_unsynced":{})j", dropped.ok());
    spdlog::default_logger()->flush();
    _exit(dropped.ok() ? 137 : 1);
  } else {
    spdlog::warn(R"j("event":"fault_injection","error":"unknown command, ignored")j");
  }
}

}  // namespace proeftuin::server
