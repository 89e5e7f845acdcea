# Compiler settings shared by every project target.
#   proeftuin_warnings(<target>): -Wall -Wextra -Werror (and -Werror=switch) on project code.
# Generated protobuf/gRPC code lives in its own target and does not call this.

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
  set(CMAKE_C_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

# Debug information: line tables (file:line and function names) are what stack traces, perf and
# callgrind use. Full debug information (local variables, types) made g++ about 40 % slower per
# file (README.md, "Build time"). Only RelWithDebInfo (the default) is changed: a Debug build, or
# -DPROEFTUIN_FULL_DEBUG_INFO=ON, keeps full debug information for a debugger session. The flag
# comes after CMake's -g, and the last -g option wins.
option(PROEFTUIN_FULL_DEBUG_INFO "Full debug information instead of line tables only" OFF)
if(NOT PROEFTUIN_FULL_DEBUG_INFO)
  add_compile_options(
    $<$<CONFIG:RelWithDebInfo>:$<IF:$<CXX_COMPILER_ID:Clang>,-gline-tables-only,-g1>>)
endif()

if(PROEFTUIN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(proeftuin_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Werror=switch)
endfunction()

# proeftuin_fuzzer(<name> SOURCES ... LIBS ...): a libFuzzer target, only with PROEFTUIN_FUZZ.
function(proeftuin_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT PROEFTUIN_FUZZ)
    return()
  endif()
  add_executable(${name} ${F_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  proeftuin_warnings(${name})
  set_property(GLOBAL APPEND PROPERTY PROEFTUIN_FUZZERS ${name})
endfunction()

include(GoogleTest)
# proeftuin_test(<name> SOURCES ... LIBS ...): one GoogleTest binary registered with CTest.
# COST (optional): about the seconds the executable's longest tests take under the sanitizers.
# ctest -j starts tests of a higher cost first; a clean checkout has no timings of earlier runs
# (CTestCostData.txt), so without it the longest tests, defined last, would start last and run
# alone at the end.
function(proeftuin_test name)
  cmake_parse_arguments(T "" "TIMEOUT;COST" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  proeftuin_warnings(${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(NOT T_COST)
    set(T_COST 0)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT ${T_TIMEOUT} COST ${T_COST})
endfunction()
