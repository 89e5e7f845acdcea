#!/usr/bin/python3
"""episodes_vs_threads.py on a made-up views_bench report and scheduler trace."""
import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import episodes_vs_threads as evt  # noqa: E402

BENCH = """\
get_programme: the schedule began at 100.000000 s on CLOCK_MONOTONIC; episodes (first send in ms from there, answers over 2 ms, slowest):
  episode at      10.0 ms:   2 answers, slowest 2.10 ms
get_programme: the schedule began at 200.000000 s on CLOCK_MONOTONIC; episodes (first send in ms from there, answers over 2 ms, slowest):
  episode at     512.0 ms:   6 answers, slowest 4.00 ms
  episode at    1024.5 ms:   3 answers, slowest 2.50 ms
get_programme: 9 answers over 2 ms (1% is 200), in 2 episodes; the three largest hold 9
"""


def switch(t, prev_comm, prev_pid, next_comm, next_pid):
    return (f" {t:.6f}: sched:sched_switch: prev_comm={prev_comm} prev_pid={prev_pid} prev_prio=120 "
            f"prev_state=S ==> next_comm={next_comm} next_pid={next_pid} next_prio=120\n")


SCHED = "".join([
    # kdamond runs 2 ms from 200.5119 s on CPU 0 (from idle, back to idle): at the first episode.
    switch(200.5119, "swapper/0", 0, "kdamond.0", 84),
    switch(200.5139, "kdamond.0", 84, "swapper/0", 0),
    # A short run of ours at the first episode: under --min-run-ms, not named.
    switch(200.5120, "swapper/1", 0, "nexting_thread", 7),
    switch(200.5122, "nexting_thread", 7, "swapper/1", 0),
    # CPU 1 idle for 1.5 ms at the second episode.
    switch(201.0230, "nexting_thread", 7, "swapper/1", 0),
    switch(201.0245, "swapper/1", 0, "nexting_thread", 7),
    # kdamond again long after the second episode: not named there.
    switch(201.5000, "swapper/0", 0, "kdamond.0", 84),
    switch(201.5030, "kdamond.0", 84, "swapper/0", 0),
])


class EpisodesVsThreads(unittest.TestCase):
    def test_reads_the_last_report_on_its_clock(self):
        episodes = evt.read_episodes(io.StringIO(BENCH))
        self.assertEqual(len(episodes), 2)
        self.assertAlmostEqual(episodes[0][0], 200.512)
        self.assertEqual(episodes[0][1], 6)
        self.assertAlmostEqual(episodes[1][0], 201.0245)
        self.assertEqual(episodes[1][1], 3)

    def test_runs_pair_each_switch_in_with_its_switch_out(self):
        runs = evt.read_runs(io.StringIO(SCHED))
        kdamond = [(a, b) for a, b, name in runs if name == "kdamond.0"]
        self.assertEqual(len(kdamond), 2)
        self.assertAlmostEqual(kdamond[0][0], 200.5119)
        self.assertAlmostEqual(kdamond[0][1], 200.5139)
        idle1 = [(a, b) for a, b, name in runs if name == "swapper/1"]
        self.assertIn((201.0230, 201.0245), [(round(a, 4), round(b, 4)) for a, b in idle1])

    def test_names_the_threads_that_ran_long_enough_at_each_episode(self):
        episodes = evt.read_episodes(io.StringIO(BENCH))
        runs = evt.read_runs(io.StringIO(SCHED))
        seen = evt.attribute(episodes, runs, before_s=0.004, after_s=0.001, min_run_s=0.0008)
        names = [sorted({n for n, _, _ in s}) for _, s in seen]
        self.assertEqual(names[0], ["kdamond.0"])
        # CPU 1 idle for 1.5 ms, CPU 0 idle since kdamond's run before.
        self.assertEqual(names[1], ["swapper/0", "swapper/1"])

    def test_main_prints_the_totals_by_thread(self):
        with tempfile.TemporaryDirectory() as d:
            bench, sched = os.path.join(d, "vb.log"), os.path.join(d, "sched.txt")
            with open(bench, "w", encoding="utf-8") as f:
                f.write(BENCH)
            with open(sched, "w", encoding="utf-8") as f:
                f.write(SCHED)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                evt.main([bench, sched])
        text = out.getvalue()
        self.assertIn("2 episodes, 9 answers over the target", text)
        self.assertRegex(text, r"kdamond\.0\s+ran at\s+1 episodes holding\s+6 answers")
        self.assertRegex(text, r"swapper/1\s+ran at\s+1 episodes holding\s+3 answers")


if __name__ == "__main__":
    unittest.main()
