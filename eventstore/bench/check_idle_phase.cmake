# ctest EventstoreBench.IdlePhaseReportsEveryGap: runs `eventstore_bench --quick --phases idle`
# and fails unless it exits 0 and prints every RESULT of the idle phase with a positive value.
# Usage: cmake -DBENCH=<eventstore_bench> -DDIR=<work dir> -P check_idle_phase.cmake
execute_process(COMMAND "${BENCH}" --quick --phases idle --dir "${DIR}"
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "eventstore_bench exited with ${code}\n${out}\n${err}")
endif()
# Values under 100 print with three decimals ("0.412"); the idle time left without a sleep may be
# a fraction of a microsecond, so it is only required to be there.
set(positive "([1-9][0-9]*(\\.[0-9]+)?|0\\.[0-9]*[1-9][0-9]*)\n")
foreach(gap 0 100 300 600 1000)
  foreach(figure p50 p90 idle_p50)
    set(value "${positive}")
    if(gap EQUAL 0 AND figure STREQUAL "idle_p50")
      set(value "[0-9]")
    endif()
    if(NOT out MATCHES "RESULT raw_after_idle_${figure}_us_${gap}=${value}")
      message(FATAL_ERROR "no positive raw_after_idle_${figure}_us_${gap} in:\n${out}")
    endif()
  endforeach()
endforeach()
