// The phases of views_bench that run the real proeftuind over the generated log:
//   cold_start     start to SERVING after a clean shutdown (RESULT cold_start_s) and after a
//                  kill -9 under a little write load (RESULT cold_start_after_kill_s), median
//                  of --starts each
//   get_programme  GetProgramme over loopback at --rate requests/s, open loop, no writes
//                  (RESULT get_programme_p99_ms, get_programme_achieved_per_s)
// Both first make <dir>/server, a proeftuind data dir: a checkpoint of <dir>/store with every
// projection proeftuind registers built in-process (and the async audit index caught up), then
// one start of proeftuind that creates the administrator, and a benchmark principal.
//
// Thread-safety: none; phases run on the main thread.
#pragma once

#include <string>
#include <vector>

#include "eventstore/event_store.h"
#include "views/bench/bench_common.h"

namespace proeftuin::views::bench {

void ColdStart(Context& c);
void GetProgrammeLoad(Context& c);

// The ids of the programmes in the deciders' state, but those drafted by cold_start's write load.
std::vector<std::string> ProgrammeIds(eventstore::ReadView& view);

}  // namespace proeftuin::views::bench
