// grpc_api_bench: what one unary call costs gRPC 1.51 itself, server and client, on each of
// its server APIs, with nothing of proeftuind in it: a 700-byte request, a 100-byte answer,
// 64 closed-loop clients over two connections (as proeftuin-bench's commands). It answers the
// question behind issue 8's last target: how much of a command's CPU is the RPC, and how much
// another gRPC API would save (docs/PERFORMANCE.md, "What changed on 2026-12-07 (twenty-seventh
// session)").
//
// Each server runs in a process of its own (this program, started again with --serve), so its
// CPU is read from /proc apart from the clients'. The servers:
//   callback-inline   gRPC's callback API, the answer sent from the handler (an empty call)
//   callback-handoff  the callback API, the answer sent from another thread, as proeftuind's
//                     acknowledger sends a command's
//   cq-handoff        a completion queue polled by one thread of ours (the asynchronous API),
//                     the answer sent from another thread
//   cq-handoff+idle-callback  the same, with one callback method registered that is never
//                     called
//   cq-handoff+health the same, with gRPC's default health service on
// The clients use gRPC's callback API, as proeftuin-bench does; the last run
// (cq-handoff/cq-client) drives cq-handoff from a completion-queue client polled by one thread.
//
// Usage: grpc_api_bench [--clients 64] [--seconds 3] [--runs LIST]
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/workload.h"

extern char** environ;

namespace {

using grpc::ByteBuffer;
namespace wl = proeftuin::eventstore::bench;

constexpr size_t kRequestBytes = 700;
constexpr size_t kAnswerBytes = 100;

ByteBuffer Bytes(size_t n) {
  std::string s(n, 'x');
  grpc::Slice slice(s);
  return ByteBuffer(&slice, 1);
}

// ---- servers ----------------------------------------------------------------------------

// Sends answers from a thread of its own, a batch at a time, as proeftuind's acknowledger does.
class Answerer {
 public:
  void Post(std::function<void()> send) {
    {
      std::lock_guard l(mu_);
      queue_.push_back(std::move(send));
    }
    cv_.notify_one();
  }
  void Run() {
    for (;;) {
      std::deque<std::function<void()>> batch;
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [&] { return !queue_.empty(); });
        batch.swap(queue_);
      }
      for (auto& send : batch) send();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
};

class CallbackReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit CallbackReactor(Answerer* answerer) : answerer_(answerer) { StartRead(&in_); }
  void OnReadDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::OK);
    out_ = Bytes(kAnswerBytes);
    if (answerer_ == nullptr)
      return StartWriteAndFinish(&out_, grpc::WriteOptions(), grpc::Status::OK);
    answerer_->Post([this] { StartWriteAndFinish(&out_, grpc::WriteOptions(), grpc::Status::OK); });
  }
  void OnDone() override { delete this; }

 private:
  Answerer* answerer_;
  ByteBuffer in_, out_;
};

class CallbackService final : public grpc::CallbackGenericService {
 public:
  explicit CallbackService(Answerer* answerer) : answerer_(answerer) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return new CallbackReactor(answerer_);
  }

 private:
  Answerer* answerer_;
};

// One call on the completion queue: asked for, read, answered (from the answerer), done.
struct QueuedCall {
  grpc::GenericServerContext ctx;
  grpc::GenericServerAsyncReaderWriter stream{&ctx};
  ByteBuffer in, out;
  enum { kAsked, kReading, kAnswering } state = kAsked;
};

void ServeQueue(grpc::AsyncGenericService* service, grpc::ServerCompletionQueue* cq,
                Answerer* answerer) {
  auto ask = [&] {
    auto* call = new QueuedCall;
    service->RequestCall(&call->ctx, &call->stream, cq, cq, call);
  };
  for (int i = 0; i < 64; ++i) ask();
  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) {
    auto* call = static_cast<QueuedCall*>(tag);
    if (!ok || call->state == QueuedCall::kAnswering) {
      delete call;
      continue;
    }
    if (call->state == QueuedCall::kAsked) {
      ask();
      call->state = QueuedCall::kReading;
      call->stream.Read(&call->in, call);
      continue;
    }
    call->out = Bytes(kAnswerBytes);
    call->state = QueuedCall::kAnswering;
    answerer->Post([call] {
      call->stream.WriteAndFinish(call->out, grpc::WriteOptions(), grpc::Status::OK, call);
    });
  }
}

// A service with one callback method that no client calls.
class IdleCallbackService final : public grpc::Service {
 public:
  IdleCallbackService() {
    AddMethod(new grpc::internal::RpcServiceMethod("/bench.Idle/Never",
                                                   grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    MarkMethodCallback(0, new grpc::internal::CallbackUnaryHandler<ByteBuffer, ByteBuffer>(
                              [](grpc::CallbackServerContext* ctx, const ByteBuffer*, ByteBuffer*) {
                                auto* reactor = ctx->DefaultReactor();
                                reactor->Finish(grpc::Status::OK);
                                return reactor;
                              }));
  }
};

// Serves `mode` on a free loopback port, prints the port, serves until killed.
int Serve(const std::string& mode) {
  const bool queue = mode.rfind("cq-", 0) == 0;
  static Answerer answerer;  // outlives its detached thread: the process ends serving
  if (mode == "cq-handoff+health") grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  CallbackService callbacks(mode == "callback-inline" ? nullptr : &answerer);
  grpc::AsyncGenericService generic;
  IdleCallbackService idle;
  std::unique_ptr<grpc::ServerCompletionQueue> cq;
  if (queue) {
    builder.RegisterAsyncGenericService(&generic);
    cq = builder.AddCompletionQueue();
    if (mode == "cq-handoff+idle-callback") builder.RegisterService(&idle);
  } else {
    builder.RegisterCallbackGenericService(&callbacks);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "grpc_api_bench: cannot listen on 127.0.0.1\n");
    return 1;
  }
  if (mode != "callback-inline") std::thread([] { answerer.Run(); }).detach();
  std::printf("%d\n", port);
  std::fflush(stdout);
  if (queue) ServeQueue(&generic, cq.get(), &answerer);
  server->Wait();
  return 0;
}

// ---- clients ----------------------------------------------------------------------------

std::atomic<long> g_done{0};    // calls answered OK
std::atomic<long> g_failed{0};  // calls that failed (the run then reports no figures)
std::atomic<bool> g_stop{false};

constexpr auto kCallDeadline =
    std::chrono::seconds(10);  // a server that stops answering ends the run

void Prepare(grpc::ClientContext* ctx) {
  ctx->AddMetadata("authorization", "Bearer 0123456789abcdef0123456789abcdef");  // as a command's
  ctx->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
}

void Count(const grpc::Status& status) {
  (status.ok() ? g_done : g_failed).fetch_add(1, std::memory_order_relaxed);
}

std::atomic<int> g_open{0};  // callback clients with a call in flight

// One closed-loop client on gRPC's callback API: its next call starts from the last's callback.
class CallbackClient {
 public:
  CallbackClient(grpc::GenericStub* stub, const ByteBuffer* request)
      : stub_(stub), request_(request) {}
  void Start() {
    auto* call = new Call;
    Prepare(&call->ctx);
    stub_->UnaryCall(&call->ctx, "/bench.Api/Unary", {}, request_, &call->answer,
                     [this, call](grpc::Status) {
                       delete call;
                       g_done.fetch_add(1, std::memory_order_relaxed);
                       if (g_stop.load()) {
                         g_open.fetch_sub(1);
                       } else {
                         Start();
                       }
                     });
  }

 private:
  struct Call {
    grpc::ClientContext ctx;
    ByteBuffer answer;
  };
  grpc::GenericStub* stub_;
  const ByteBuffer* request_;
};

// All clients on one completion queue polled by one thread: each answer starts that client's next
// call.
void QueueClients(std::vector<std::unique_ptr<grpc::GenericStub>>* stubs, int clients,
                  const ByteBuffer* request) {
  struct Call {
    grpc::ClientContext ctx;
    ByteBuffer answer;
    grpc::Status status;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  };
  grpc::CompletionQueue cq;
  auto start = [&](int i) {
    auto* call = new Call;
    Prepare(&call->ctx);
    call->reader = (*stubs)[i % stubs->size()]->PrepareUnaryCall(&call->ctx, "/bench.Api/Unary",
                                                                 *request, &cq);
    call->reader->StartCall();
    call->reader->Finish(&call->answer, &call->status, call);
  };
  for (int i = 0; i < clients; ++i) start(i);
  void* tag = nullptr;
  bool ok = false;
  int open = clients;
  for (int i = 0; open > 0 && cq.Next(&tag, &ok); ++i) {
    auto* call = static_cast<Call*>(tag);
    const bool failed = !call->status.ok();
    Count(call->status);
    delete call;
    if (g_stop.load() || failed) {
      --open;
    } else {
      start(i);
    }
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

struct Figures {
  double per_s = 0, client_us = 0, server_us = 0;
};

// Starts this program as a server of `mode`, drives it, stops it.
Figures Drive(const std::string& self, const std::string& mode, bool queue_client, int clients,
              double seconds) {
  int out[2];
  if (pipe(out) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string exe = self, serve_flag = "--serve", serve_mode = mode;
  std::vector<char*> argv = {exe.data(), serve_flag.data(), serve_mode.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    return {};
  }
  char buf[32] = {};
  ssize_t n = read(out[0], buf, sizeof buf - 1);
  close(out[0]);
  const int port = n > 0 ? std::atoi(buf) : 0;
  Figures f;
  if (port > 0) {
    const std::string address = "127.0.0.1:" + std::to_string(port);
    std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
    for (int i = 0; i < 2; ++i) {  // two connections, as proeftuin-bench's
      grpc::ChannelArguments args;
      args.SetInt("grpc_api_bench.connection", i);
      stubs.push_back(std::make_unique<grpc::GenericStub>(
          grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args)));
    }
    const ByteBuffer request = Bytes(kRequestBytes);
    g_stop = false;
    g_done = 0;
    g_failed = 0;
    std::thread queue_thread;
    std::vector<std::unique_ptr<CallbackClient>> callback_clients;
    if (queue_client) {
      queue_thread = std::thread(QueueClients, &stubs, clients, &request);
    } else {
      g_open = clients;
      for (int i = 0; i < clients; ++i) {
        callback_clients.push_back(std::make_unique<CallbackClient>(stubs[i % 2].get(), &request));
        callback_clients.back()->Start();
      }
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(1.0, seconds)));  // warm-up
    const long calls0 = g_done.load();
    const double client0 = wl::ThreadTime::Now().process_cpu, server0 = wl::ProcessCpuSeconds(pid);
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const long calls1 = g_done.load();
    const double client1 = wl::ThreadTime::Now().process_cpu, server1 = wl::ProcessCpuSeconds(pid);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    g_stop = true;
    if (queue_thread.joinable()) queue_thread.join();
    while (g_open.load() > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // their last calls
    const double calls = static_cast<double>(calls1 - calls0);
    if (calls > 0)
      f = {calls / elapsed, (client1 - client0) / calls * 1e6, (server1 - server0) / calls * 1e6};
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return f;
}

// The servers, in the order of the default runs (see the top of the file).
const std::vector<std::string> kModes = {"callback-inline", "callback-handoff", "cq-handoff",
                                         "cq-handoff+idle-callback", "cq-handoff+health"};

std::string ResultName(std::string run) {
  for (char& c : run) {
    if (c == '-' || c == '+') c = '_';
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"What one unary call costs gRPC itself on each server API (issue 8)"};
  std::string serve;
  int clients = 64;
  double seconds = 3;
  std::vector<std::string> runs = kModes;
  runs.push_back("cq-handoff/cq-client");
  app.add_option("--serve", serve, "Internal: serve this mode and print the port")->group("");
  app.add_option("--clients", clients, "Closed-loop clients, each with one call in flight")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--seconds", seconds,
                 "Measured seconds per run, after a warm-up as long (at most 1 s)")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  app.add_option(
         "--runs", runs,
         "Runs, in this order: a server mode, with '/cq-client' for a completion-queue client")
      ->delimiter(',')
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!serve.empty()) return Serve(serve);

  const std::string self = "/proc/self/exe";
  char path[4096] = {};
  const ssize_t len = readlink(self.c_str(), path, sizeof path - 1);
  const std::string exe =
      len > 0 ? std::string(path, static_cast<size_t>(len)) : std::string(argv[0]);
  for (const std::string& run : runs) {
    const size_t slash = run.find('/');
    if (std::find(kModes.begin(), kModes.end(), run.substr(0, slash)) == kModes.end() ||
        (slash != std::string::npos && run.substr(slash + 1) != "cq-client")) {
      std::fprintf(stderr, "grpc_api_bench: --runs: unknown run '%s'\n", run.c_str());
      return 2;
    }
  }
  std::printf("%-36s %12s %12s %12s\n", "run", "calls/s", "client us", "server us");
  int failed = 0;
  for (const std::string& run : runs) {
    const size_t slash = run.find('/');
    const std::string mode = run.substr(0, slash);
    const bool queue_client = slash != std::string::npos;
    const Figures f = Drive(exe, mode, queue_client, clients, seconds);
    if (f.per_s <= 0) {
      std::fprintf(stderr, "grpc_api_bench: run %s made no calls\n", run.c_str());
      ++failed;
      continue;
    }
    std::printf("%-36s %12.0f %12.1f %12.1f\n", run.c_str(), f.per_s, f.client_us, f.server_us);
    const std::string name = ResultName(queue_client ? mode + "_cq_client" : mode);
    std::printf(
        "RESULT grpc_%s_per_s=%.0f\nRESULT grpc_%s_client_cpu_us=%.1f\nRESULT "
        "grpc_%s_server_cpu_us=%.1f\n",
        name.c_str(), f.per_s, name.c_str(), f.client_us, name.c_str(), f.server_us);
    std::fflush(stdout);
  }
  return failed == 0 ? 0 : 1;
}
