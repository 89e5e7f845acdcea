// FaultControl: the fault injection of the test build `proeftuind_faulty` (compiled with
// PROEFTUIN_FAULT_INJECTION; the production proeftuind contains none of this). It puts a
// FaultInjectionFs (eventstore/testing/fault_fs.h) under the store and polls the control file
// `<data-dir>/fault-control` every 20 ms. A test writes one command into it (best by renaming a
// finished file into place); the server logs `"event":"fault_injection"`, applies it, then
// deletes the file, so a test knows the fault is active once the file is gone:
//
//   enospc      every write fails with ENOSPC (IOStatus::NoSpace): the disk is full
//   eio-write   every write fails with EIO (IOStatus::IOError)
//   eio-sync    every sync (fsync / fdatasync) fails with EIO
//   clear       no more faults
//   power-cut   the machine dies: writes stop, every WAL and MANIFEST byte not yet synced is
//               dropped, and the process ends at once with _exit(137)
//
// Anything else is logged and ignored.
//
// Thread-safety: Wrap() once, before the store opens; the poller runs on its own thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace proeftuin::eventstore::testing {
class FaultInjectionFs;
}  // namespace proeftuin::eventstore::testing

namespace proeftuin::server {

inline constexpr char kFaultControlFile[] = "fault-control";

class FaultControl {
 public:
  explicit FaultControl(std::string data_dir);
  // Stops the poller. Destroy only after the store that uses Wrap()'s Env has closed.
  ~FaultControl();

  // An Env whose file system injects the faults over `base`'s; starts polling the control file.
  rocksdb::Env* Wrap(rocksdb::Env* base);

 private:
  void Poll();
  void Apply(const std::string& command);

  const std::string control_file_;
  std::shared_ptr<eventstore::testing::FaultInjectionFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace proeftuin::server
