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


def switch(cpu, t, prev_comm, prev_pid, next_comm, next_pid):
    return (f"[{cpu:03d}] {t:.6f}: sched:sched_switch: prev_comm={prev_comm} prev_pid={prev_pid} prev_prio=120 "
            f"prev_state=S ==> next_comm={next_comm} next_pid={next_pid} next_prio=120\n")


# Episodes at 200.5120 s (6 answers) and 201.0245 s (3 answers); windows from 4 ms before to
# 1 ms after each. Switches in time order, as perf prints them.
SCHED = "".join([
    switch(0, 200.5000, "proeftuind", 9, "swapper/0", 0),      # CPU 0 idle ...
    switch(1, 200.5000, "views_bench", 8, "swapper/1", 0),     # CPU 1 idle ...
    switch(0, 200.5119, "swapper/0", 0, "kdamond.0", 84),      # ... until kdamond runs 2 ms: 0.1 ms
    switch(1, 200.5120, "swapper/1", 0, "nexting_thread", 7),  # ... until 200.5120: 4 ms in window 1
    switch(1, 200.5122, "nexting_thread", 7, "swapper/1", 0),  # 0.2 ms: under --min-run-ms
    switch(0, 200.5139, "kdamond.0", 84, "proeftuind", 9),
    switch(0, 200.8000, "proeftuind", 9, "swapper/0", 0),      # CPU 0 idle from here on
    switch(1, 201.0200, "swapper/1", 0, "nexting_thread", 7),  # CPU 1 idle 508 ms, 0.5 ms of them in window 2
    switch(1, 201.0230, "nexting_thread", 7, "swapper/1", 0),  # 3 ms of ours in window 2
    switch(1, 201.0245, "swapper/1", 0, "nexting_thread", 7),  # idle 1.5 ms in window 2
    switch(0, 201.5000, "swapper/0", 0, "kdamond.0", 84),      # long after window 2
    switch(0, 201.5030, "kdamond.0", 84, "swapper/0", 0),
])


class EpisodesVsThreads(unittest.TestCase):
    def test_reads_the_last_report_on_its_clock(self):
        episodes = evt.read_episodes(io.StringIO(BENCH))
        self.assertEqual(len(episodes), 2)
        self.assertAlmostEqual(episodes[0][0], 200.512)
        self.assertEqual(episodes[0][1], 6)
        self.assertAlmostEqual(episodes[1][0], 201.0245)
        self.assertEqual(episodes[1][1], 3)

    def test_runs_are_the_stretches_between_switches_on_each_cpu(self):
        runs = evt.read_runs(io.StringIO(SCHED))
        rounded = [(round(a, 4), round(b, 4), name) for a, b, name in runs]
        self.assertIn((200.5119, 200.5139, "kdamond.0"), rounded)
        self.assertIn((200.5000, 200.5120, "swapper/1"), rounded)
        self.assertIn((201.0230, 201.0245, "swapper/1"), rounded)
        self.assertIn((200.8000, 201.5000, "swapper/0"), rounded)
        # The first switch on each CPU only begins a stretch; the last one's stretch is open.
        self.assertEqual(len(runs), 10)

    def test_names_what_was_on_a_cpu_long_enough_within_each_window(self):
        episodes = evt.read_episodes(io.StringIO(BENCH))
        runs = evt.read_runs(io.StringIO(SCHED))
        seen = evt.attribute(episodes, runs, before_s=0.004, after_s=0.001, min_run_s=0.0008)
        names = [sorted({n for n, _, _ in s}) for _, s in seen]
        # Window 1 (200.508 to 200.513): kdamond 1.1 ms, CPU 1 idle 4 ms, CPU 0 idle 3.9 ms;
        # the 0.2 ms of nexting_thread is too short.
        self.assertEqual(names[0], ["kdamond.0", "swapper/0", "swapper/1"])
        # Window 2 (201.0205 to 201.0255): nexting_thread 2.5 ms, CPU 1 idle 1 ms (0.5 ms before
        # 201.0200 is out of the window), CPU 0 idle all of it.
        self.assertEqual(names[1], ["nexting_thread", "swapper/0", "swapper/1"])
        within = {n: r for n, r, _ in seen[1][1] if n == "nexting_thread"}
        self.assertAlmostEqual(within["nexting_thread"], 0.0025, places=6)

    def test_a_long_stretch_counts_only_its_time_within_the_window(self):
        episodes = [(201.0245, 3)]
        runs = [(200.0, 201.0208, "swapper/1")]  # 1 s idle ending 0.3 ms into the window
        self.assertEqual(evt.attribute(episodes, runs, 0.004, 0.001, 0.0008)[0][1], [])

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
        self.assertRegex(text, r"nexting_thread\s+ran at\s+1 episodes holding\s+3 answers")
        self.assertRegex(text, r"swapper/1\s+ran at\s+2 episodes holding\s+9 answers")


if __name__ == "__main__":
    unittest.main()
