# Every dependency comes from a Debian 12 package (ops/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)   # CMake's own FindProtobuf; Debian ships no protobuf config
find_package(gRPC CONFIG REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(benchmark CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)

# The allocator of proeftuind and the benchmark programs: tcmalloc (gperftools, Debian package
# libgoogle-perftools-dev). Its per-thread caches take ~10% of the server's CPU per command off
# glibc's malloc (docs/PERFORMANCE.md). Sanitizer builds keep their own allocator.
option(PROEFTUIN_TCMALLOC "Link proeftuind and the benchmarks with tcmalloc (gperftools)" ON)
add_library(proeftuin_malloc INTERFACE)
if(PROEFTUIN_TCMALLOC AND NOT PROEFTUIN_SANITIZE)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)
  target_link_libraries(proeftuin_malloc INTERFACE PkgConfig::TCMALLOC)
  # gperftools' advice: the compiler must not assume it knows what malloc and free do.
  target_compile_options(proeftuin_malloc INTERFACE -fno-builtin-malloc -fno-builtin-calloc
                                                    -fno-builtin-realloc -fno-builtin-free)
endif()

# RocksDB: Debian's static library (librocksdb.a, in librocksdb-dev beside the shared one) by
# default. Through the shared library every thread-local RocksDB touches (its perf and I/O
# context, counted at every iterator step, point read and memtable insert) is a call to
# __tls_get_addr, and every call into it goes through the PLT; the static archive is built for
# position-independent executables (-fPIE: initial-exec and local-exec thread-locals, which cost
# a load each), so it links into our executables but not into a shared library
# (docs/PERFORMANCE.md, thirteenth session).
option(PROEFTUIN_STATIC_ROCKSDB "Link RocksDB's static library (librocksdb.a) instead of the shared one" ON)
add_library(proeftuin_rocksdb INTERFACE)
if(PROEFTUIN_STATIC_ROCKSDB AND BUILD_SHARED_LIBS)
  message(FATAL_ERROR "librocksdb.a is built for executables only: with BUILD_SHARED_LIBS set "
                      "-DPROEFTUIN_STATIC_ROCKSDB=OFF")
endif()
if(PROEFTUIN_STATIC_ROCKSDB)
  target_link_libraries(proeftuin_rocksdb INTERFACE RocksDB::rocksdb)
else()
  target_link_libraries(proeftuin_rocksdb INTERFACE RocksDB::rocksdb-shared)
endif()
