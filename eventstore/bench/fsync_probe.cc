// fsync_probe: how long an append + fdatasync takes on this machine's file system while another
// thread spins on a chosen CPU (or nowhere), with the syncing thread on a chosen CPU (or
// unpinned). It answers one question for the acknowledger's spin (proeftuind --ack-spin-us,
// docs/DESIGN.md "Acknowledger at low load"): does a busy CPU delay the completion of a sync?
// On the project's virtual machines it does, on the CPU that takes the disk's interrupts
// (docs/PERFORMANCE.md, "What changed on 2026-12-05 (fourth session)").
//
//   fsync_probe --dir var/probe --count 3000 --size 700 --spin-cpu 1 --sync-cpu -1
//
// A file under --dir is appended to and synced --count times; human-readable line, then
// `RESULT name=value` lines (µs). CPUs are numbered as in /proc/cpuinfo; -1: not pinned / none.
//
// --overwrite writes (and syncs) zeros over the whole length first, so that each measured write
// lands in space already written and the file's size never changes: on a file system that must
// write a grown file's inode at each fdatasync (ext4 without a journal), the difference is that
// inode write (docs/PERFORMANCE.md, twenty-third session: a WAL written over zeros).
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"

namespace {

// -2: the first CPU this process may run on.
int Resolve(int cpu) {
  if (cpu != -2) return cpu;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) return c;
  }
  return -1;
}

bool Pin(int cpu) {
  if (cpu < 0) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "./var/fsync-probe";
  int count = 3000, size = 700, spin_cpu = -1, sync_cpu = -1;
  bool overwrite = false;
  CLI::App app{"fsync_probe: append + fdatasync latency while a thread spins on a chosen CPU"};
  app.add_option("--dir", dir, "Folder for the probe's file (on the file system to test)");
  app.add_option("--count", count, "Syncs measured")->check(CLI::Range(1, 10000000));
  app.add_option("--size", size, "Bytes appended before each sync")->check(CLI::Range(1, 1 << 24));
  app.add_option("--spin-cpu", spin_cpu,
                 "CPU a second thread spins on (-1: no spinner, -2: the first usable CPU)");
  app.add_option("--sync-cpu", sync_cpu,
                 "CPU the syncing thread is pinned to (-1: not pinned, -2: the first usable CPU)");
  app.add_flag("--overwrite", overwrite,
               "Write over zeros written and synced first: the file's size does not change");
  CLI11_PARSE(app, argc, argv);
  spin_cpu = Resolve(spin_cpu);
  sync_cpu = Resolve(sync_cpu);

  std::filesystem::create_directories(dir);
  const std::string path = dir + "/probe.dat";
  int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(("fsync_probe: " + path).c_str());
    return 1;
  }
  if (overwrite) {
    const std::string zeros(size_t{1} << 20, '\0');
    const size_t total = static_cast<size_t>(count) * static_cast<size_t>(size);
    for (size_t done = 0; done < total;) {
      const size_t n = std::min(zeros.size(), total - done);
      if (write(fd, zeros.data(), n) != static_cast<ssize_t>(n)) {
        std::perror(("fsync_probe: zeros into " + path).c_str());
        return 1;
      }
      done += n;
    }
    if (fdatasync(fd) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
      std::perror(("fsync_probe: " + path).c_str());
      return 1;
    }
  }
  std::atomic<bool> stop{false};
  std::atomic<bool> pinned{true};
  std::thread spinner;
  if (spin_cpu >= 0) {
    spinner = std::thread([&] {
      if (!Pin(spin_cpu)) pinned = false;
      while (!stop.load(std::memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
    });
  }
  if (!Pin(sync_cpu)) pinned = false;
  const std::string buf(static_cast<size_t>(size), 'x');
  std::vector<double> us;
  us.reserve(static_cast<size_t>(count));
  bool failed = false;
  for (int i = 0; i < count && !failed; ++i) {
    if (write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) failed = true;
    auto start = std::chrono::steady_clock::now();
    if (fdatasync(fd) != 0) failed = true;
    const auto took = std::chrono::steady_clock::now() - start;
    us.push_back(std::chrono::duration<double, std::micro>(took).count());
  }
  stop = true;
  if (spinner.joinable()) spinner.join();
  close(fd);
  std::filesystem::remove(path);
  if (failed || !pinned.load()) {
    std::fprintf(stderr, "fsync_probe: %s\n",
                 failed ? "write or fdatasync failed" : "cannot pin to that CPU");
    return 1;
  }
  const double p50 = Percentile(us, 0.5), p90 = Percentile(us, 0.9), p99 = Percentile(us, 0.99);
  std::printf(
      "fdatasync after %d-byte %s, %d times, spinner on CPU %d, syncing thread on"
      " CPU %d: p50 %.0f us, p90 %.0f us, p99 %.0f us\n",
      size, overwrite ? "writes over zeros" : "appends", count, spin_cpu, sync_cpu, p50, p90, p99);
  std::printf("RESULT fdatasync_p50_us=%.1f\nRESULT fdatasync_p90_us=%.1f\n", p50, p90);
  std::printf("RESULT fdatasync_p99_us=%.1f\n", p99);
  return 0;
}
