#!/usr/bin/python3
"""Which threads ran when GetProgramme's slow answers began (docs/PERFORMANCE.md, fourteenth session).

Lines up the episodes that `views_bench --list-episodes` prints with the scheduler's switches
recorded on the same clock, and prints, for each episode, the threads that were on a CPU for
at least --min-run-ms between --before-ms before its first send and --after-ms after it; then
at how many episodes, holding how many slow answers, each thread's name was seen.

  views_bench --dir D --phases get_programme --reuse-server --list-episodes > vb.log &
  perf record -k CLOCK_MONOTONIC -e sched:sched_switch -a -o sched.data -- sleep 16
  perf script -i sched.data -F cpu,time,trace > sched.txt
  episodes_vs_threads.py vb.log sched.txt

`swapper/N` is CPU N idle: nothing of ours was runnable there.
"""
import argparse
import collections
import re
import sys

START = re.compile(r"schedule began at ([\d.]+) s on CLOCK_MONOTONIC")
EPISODE = re.compile(r"episode at\s+([\d.]+) ms:\s+(\d+) answers")
SWITCH = re.compile(r"\s*\[(\d+)\]\s+([\d.]+): .*prev_comm=(.+?) prev_pid=\d+ .*next_comm=(.+?) next_pid=\d+")


def read_episodes(lines):
    """[(start in s on CLOCK_MONOTONIC, answers)] of the last --list-episodes report."""
    start, episodes = None, []
    for line in lines:
        m = START.search(line)
        if m:
            start, episodes = float(m.group(1)), []
            continue
        m = EPISODE.search(line)
        if m and start is not None:
            episodes.append((start + float(m.group(1)) / 1000, int(m.group(2))))
    return episodes


def read_runs(lines):
    """[(from, to, thread name)]: each stretch a thread was on a CPU, from `perf script -F cpu,time,trace`.

    Each switch on a CPU ends the stretch its switch before began there; the first switch seen
    on each CPU only begins one.
    """
    runs, since = [], {}  # cpu: when its current stretch began
    for line in lines:
        m = SWITCH.match(line)
        if not m:
            continue
        cpu, t, prev_comm = m.group(1), float(m.group(2)), m.group(3)
        if cpu in since:
            runs.append((since[cpu], t, prev_comm))  # the name as it left the CPU
        since[cpu] = t
    runs.sort()
    return runs


def attribute(episodes, runs, before_s, after_s, min_run_s):
    """[(episode, [(name, time on a CPU within the window, began s after the episode)])]."""
    out = []
    for at, answers in episodes:
        lo, hi = at - before_s, at + after_s
        seen = [(name, min(b, hi) - max(a, lo), a - at) for a, b, name in runs
                if min(b, hi) - max(a, lo) >= min_run_s]
        out.append(((at, answers), seen))
    return out


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("views_bench_output")
    p.add_argument("perf_script_output")
    p.add_argument("--before-ms", type=float, default=4)
    p.add_argument("--after-ms", type=float, default=1)
    p.add_argument("--min-run-ms", type=float, default=0.8)
    a = p.parse_args(argv)
    with open(a.views_bench_output, encoding="utf-8") as f:
        episodes = read_episodes(f)
    with open(a.perf_script_output, encoding="utf-8", errors="replace") as f:
        runs = read_runs(f)
    if not episodes:
        sys.exit("no episodes in " + a.views_bench_output + " (run views_bench with --list-episodes)")
    if not runs:
        sys.exit("no scheduler switches in " + a.perf_script_output + " (perf script -F cpu,time,trace)")
    first = episodes[0][0]
    by_name_episodes, by_name_answers = collections.Counter(), collections.Counter()
    for (at, answers), seen in attribute(episodes, runs, a.before_ms / 1000, a.after_ms / 1000, a.min_run_ms / 1000):
        names = sorted({name for name, _, _ in seen})
        for name in names:
            by_name_episodes[name] += 1
            by_name_answers[name] += answers
        print("%9.1f ms %3d answers: %s" % ((at - first) * 1000, answers,
              ", ".join("%s %.1f ms (from %+.1f)" % (n, r * 1000, d * 1000) for n, r, d in seen) or "-"))
    total = sum(n for _, n in episodes)
    print("%d episodes, %d answers over the target" % (len(episodes), total))
    for name, count in by_name_episodes.most_common():
        print("  %-20s ran at %3d episodes holding %4d answers" % (name, count, by_name_answers[name]))


if __name__ == "__main__":
    main(sys.argv[1:])
