# ctest ViewsBench.EveryPhaseReportsPositiveFigures: runs every phase of views_bench over a small
# log (3,000 events, one start of each kind, 1 s of GetProgramme at 200/s) and fails unless it
# exits 0, prints every RESULT below (positive where a figure must be; the longest append waits
# and the stalls may be 0.000) and no GetProgramme failed; then that phases run on a directory
# without a store fail with an error saying how to make one. It checks that the benchmark program
# works, not its figures.
# Usage: cmake -DBENCH=<views_bench> -DDIR=<work dir> -P check_all_phases.cmake
execute_process(COMMAND "${BENCH}" --dir "${DIR}" --events 3000 --starts 1 --queries 50 --rate 200
                        --load-seconds 1 --warmup-seconds 0.2 --stall-seconds 0.3
                        --list-episodes
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "views_bench exited with ${code}\n${out}\n${err}")
endif()
set(positive "([1-9][0-9]*(\\.[0-9]+)?|0\\.[0-9]*[1-9][0-9]*)\n")
foreach(result replay_events_per_s rebuild_decider_state_events_per_s rebuild_view_programmes_events_per_s
               replay_in_memory_events_per_s floor_rebuild_bench_null_events_per_s
               floor_rebuild_bench_one_row_events_per_s rebuild_all_seconds_on_writer
               rebuild_all_seconds_beside get_programme_view_p99_us get_experiment_view_p99_us
               get_experiment_answer_p99_us audit_index_rebuild_events_per_s cold_start_s
               cold_start_after_kill_s get_programme_p99_ms get_programme_achieved_per_s
               get_programme_server_rss_mb get_programme_p50_ms get_programme_server_cpu_us)
  if(NOT out MATCHES "RESULT ${result}=${positive}")
    message(FATAL_ERROR "no positive ${result} in:\n${out}\n${err}")
  endif()
endforeach()
foreach(result rebuild_all_longest_append_wait_s_on_writer rebuild_all_longest_append_wait_s_beside
               stalls_longest_ms_one_thread stalls_longest_ms_every_core stalls_share_one_thread
               stalls_share_every_core)
  if(NOT out MATCHES "RESULT ${result}=[0-9]+(\\.[0-9]+)?\n")  # 100 and over print whole
    message(FATAL_ERROR "no ${result} in:\n${out}\n${err}")
  endif()
endforeach()
if(NOT out MATCHES "get_programme: the schedule began at [0-9]+\\.[0-9]+ s on CLOCK_MONOTONIC")
  message(FATAL_ERROR "--list-episodes printed no schedule start:\n${out}\n${err}")
endif()
if(NOT out MATCHES "RESULT get_programme_failed=0\\.000\n")
  message(FATAL_ERROR "GetProgramme requests failed:\n${out}\n${err}")
endif()
# Phases that read the log, on a directory without one: an error that says how to make it.
file(REMOVE_RECURSE "${DIR}-empty")
execute_process(COMMAND "${BENCH}" --dir "${DIR}-empty" --phases replay,get_programme
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(code EQUAL 0 OR NOT err MATCHES "no store in .*-empty/store: generate one first \\(views_bench --dir .* --phases generate")
  message(FATAL_ERROR "views_bench on a directory without a store: exit ${code}\n${out}\n${err}")
endif()
