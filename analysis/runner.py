"""Run the analyses of a run: one after another, or in parallel worker processes.

Why parallel is possible: the analyses only read the warehouse and are independent of one
another, and each fit is single-threaded (one BLAS thread, Python in between), so on free
cores two analyses finish in about the time of the longest. Why it is not the default: on
the 2-core development machine, shared with other work, it measured no faster (full scale:
62 s in two workers against 58 s in one process, back to back; the two long flow analyses
each ran twice as slowly side by side, the fits being memory-bound). Each worker opens its
own read-only DuckDB connection (DuckDB allows several read-only processes at once), runs
with one BLAS thread, and reports its progress to the parent, which draws it. Outputs come
back in the order of the jobs, so what is stored does not depend on which worker finished
first; and every analysis runs exactly the code it runs sequentially, so the estimates are
the same.

``MOBILITY_WORKERS=N`` (N > 1) runs the analyses in N worker processes; the default, 1, runs
them in this process, one after another. The estimates are the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb

from analysis import progress
from analysis.context import RunContext
from analysis.outputs import AnalysisOutput

Analysis = Callable[[duckdb.DuckDBPyConnection, RunContext], AnalysisOutput]
Job = tuple[str, Analysis]
Done = Callable[[str, AnalysisOutput, float], None]

#: Heaviest analyses first, so the long ones start at once and the short ones fill in.
_FIRST = ("flow_models", "flow_robustness", "census_flow_models", "panel", "ls")


def workers_for(jobs: int) -> int:
    """Worker processes: MOBILITY_WORKERS if set (at most one per job), else 1."""
    wanted = os.environ.get("MOBILITY_WORKERS", "").strip()
    count = int(wanted) if wanted.isdigit() else 1
    return max(1, min(count, jobs))


def _run_on(
    name: str, analysis: Analysis, con: duckdb.DuckDBPyConnection, context: RunContext
) -> tuple:
    """One analysis on the given connection; returns (output, seconds)."""
    start = time.perf_counter()
    con.execute("set enable_progress_bar = false")  # it would write over the run's progress
    output = progress.tracked(name, analysis)(con, context)
    return output, time.perf_counter() - start


def _run(name: str, analysis: Analysis, warehouse: Path, context: RunContext) -> tuple:
    """One analysis on its own read-only connection (a worker's); returns (output, seconds)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return _run_on(name, analysis, con, context)
    finally:
        con.close()


def _init_worker(events: multiprocessing.Queue) -> None:
    """A worker: one BLAS thread for its whole life, progress sent to the parent."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    progress.forward_to(events)


def _relay(events: multiprocessing.Queue, stop: threading.Event) -> None:
    """Parent thread: draw the workers' progress until told to stop and the queue is empty."""
    while True:
        try:
            progress.replay(events.get(timeout=0.1))
        except queue_module.Empty:
            if stop.is_set():
                return


def run_analyses_on(
    con: duckdb.DuckDBPyConnection, jobs: Sequence[Job], context: RunContext, done: Done
) -> list[AnalysisOutput]:
    """Every job in this process on `con` (the connection the gate ran on), one after another;
    `done(name, output, seconds)` after each."""
    return _one_after_another(jobs, done, lambda n, a: _run_on(n, a, con, context))


def _one_after_another(
    jobs: Sequence[Job], done: Done, run_one: Callable[[str, Analysis], tuple]
) -> list[AnalysisOutput]:
    """The sequential loop shared by both entry points: run, report, collect in job order."""
    outputs = []
    for name, analysis in jobs:
        output, seconds = run_one(name, analysis)
        done(name, output, seconds)
        outputs.append(output)
    return outputs


def run_analyses(
    warehouse: Path,
    jobs: Sequence[Job],
    context: RunContext,
    done: Done,
    workers: int | None = None,
) -> list[AnalysisOutput]:
    """Run every job, each on its own read-only connection (in worker processes when
    `workers` > 1); call `done(name, output, seconds)` as each finishes (in job order)."""
    workers = workers_for(len(jobs)) if workers is None else workers
    if workers <= 1:
        return _one_after_another(jobs, done, lambda n, a: _run(n, a, warehouse, context))
    order = sorted(
        range(len(jobs)),
        key=lambda i: _FIRST.index(jobs[i][0]) if jobs[i][0] in _FIRST else len(_FIRST),
    )
    spawn = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    events = spawn.Queue()
    stop = threading.Event()
    relay = threading.Thread(target=_relay, args=(events, stop), daemon=True)
    relay.start()
    try:
        with ProcessPoolExecutor(
            workers, mp_context=spawn, initializer=_init_worker, initargs=(events,)
        ) as pool:
            futures = {
                i: pool.submit(_run, jobs[i][0], jobs[i][1], warehouse, context) for i in order
            }
            outputs = []
            for i, (name, _) in enumerate(jobs):
                output, seconds = futures[i].result()
                done(name, output, seconds)
                outputs.append(output)
    finally:
        stop.set()
        relay.join()
    return outputs
