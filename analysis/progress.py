"""Live progress of a run: a line per stage, per analysis and per model fit.

Why: the model suite runs for minutes, and a run that prints nothing for that long looks hung.
On a terminal the open steps are drawn as live lines (rich): what runs, how many fits are done
of how many, elapsed time and rate. Anywhere else (CI, cron, a pipe) nothing is redrawn: every
finished fit is logged as one plain line, so a log shows where a slow or stuck run was.

The hook API is tiny so that callers add a line, not a block:

* ``@staged("build")`` on a stage function (or ``with step("build"):``) opens a step;
* ``tracked("flow_models", analysis)`` wraps an analysis so it runs as a nested step;
* ``expect(n)`` tells the innermost step how many fits it will make;
* ``describe("text")`` says what the innermost step is working on;
* ``fit_done("NB2", rows, columns, seconds)`` counts one fit (the estimators call it);
* ``forward_to(queue)`` in a worker process and ``replay(event)`` in its parent show the
  steps of analyses running in parallel processes under the parent's open step.

With no step open every hook is a no-op, so analyses and estimators run unchanged in tests,
notebooks and benchmarks. This module imports nothing from the project (imports stay one-way).
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class _Step:
    """One open step: a stage, or an analysis inside `analyse`."""

    name: str
    started: float = field(default_factory=time.perf_counter)
    total: int | None = None
    done: int = 0
    detail: str = ""
    last_fit: str = ""
    task: Any = None  # the rich TaskID on a terminal
    remote: bool = False  # reported by a worker process (see forward_to / replay)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def rate(self) -> str:
        seconds = self.elapsed()
        return f"{self.done / seconds:.3g} fits/s" if self.done and seconds > 0 else ""

    def shown(self) -> str:
        """The live line's detail: what runs now, and the fit that finished last."""
        return " | ".join(t for t in (self.detail, self.last_fit and f"last {self.last_fit}") if t)

    def counted(self) -> str:
        if not self.done and self.total is None:
            return ""
        return f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"


class _Display:
    """Where progress goes: rich live lines on a terminal, plain lines elsewhere."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console

        self.console = console if console is not None else Console(file=sys.stdout)
        self.live = self.console.is_terminal
        self.steps: list[_Step] = []
        self.progress: Any = None
        if self.live:
            from rich.progress import (
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.table import Column

            def fixed(width: int) -> Column:
                return Column(min_width=width, max_width=width, no_wrap=True)

            self.progress = Progress(
                SpinnerColumn(finished_text="[green]done"),
                TextColumn("{task.description}", table_column=fixed(22)),
                TextColumn("{task.fields[counted]}", table_column=fixed(7)),
                TimeElapsedColumn(table_column=fixed(7)),
                TextColumn("{task.fields[rate]}", table_column=fixed(14)),
                TextColumn(
                    "[dim]{task.fields[detail]}",
                    table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis"),
                ),
                expand=True,
                console=self.console,
                transient=False,
                redirect_stdout=True,
                redirect_stderr=True,
            )
            self.progress.start()

    def open(self, step: _Step) -> None:
        depth = sum(not s.remote for s in self.steps)
        self.steps.append(step)
        if self.live:
            indent = "  " * depth
            step.task = self.progress.add_task(
                indent + step.name, total=None, counted="", rate="", detail=""
            )

    def update(self, step: _Step) -> None:
        if self.live:
            self.progress.update(
                step.task,
                counted=step.counted(),
                rate=step.rate(),
                detail=step.shown(),
            )

    def log(self, text: str) -> None:
        """A plain line (non-terminal mode only; on a terminal the live line shows it)."""
        if not self.live:
            print(text, file=self.console.file, flush=True)

    def close(self, step: _Step) -> None:
        self.steps.remove(step)
        if self.live:
            step.detail = step.last_fit = ""
            self.update(step)
            self.progress.update(step.task, total=1, completed=1)
            if not self.steps:
                self.progress.stop()


class _Forward:
    """A worker process's display: every change is sent to the parent, which draws it."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.steps: list[_Step] = []

    def open(self, step: _Step) -> None:
        self.steps.append(step)
        self.queue.put(("open", step.name))

    def update(self, step: _Step) -> None:
        self.queue.put(("update", step.name, step.total, step.done, step.detail, step.last_fit))

    def log(self, text: str) -> None:
        self.queue.put(("log", text))

    def close(self, step: _Step) -> None:
        self.steps.remove(step)
        self.queue.put(("close", step.name))


_display: _Display | _Forward | None = None
_console: Any = None
_forward: Any = None


def forward_to(queue: Any) -> None:
    """In a worker process: send progress to the parent through `queue` (see `replay`)."""
    global _forward
    _forward = queue


def replay(event: tuple) -> None:
    """In the parent: show an event a worker sent (its steps nest under the open step)."""
    display = _display
    if display is None:
        return
    kind, *args = event
    if kind == "log":
        display.log(args[0])
        return
    name = args[0]
    if kind == "open":
        display.open(_Step(name, remote=True))
        return
    current = next((s for s in display.steps if s.remote and s.name == name), None)
    if current is None:
        return
    if kind == "update":
        current.total, current.done, current.detail, current.last_fit = args[1:]
        display.update(current)
    elif kind == "close":
        display.close(current)


def use_console(console: Any) -> None:
    """Send progress to this rich Console (tests force a terminal with ``force_terminal``)."""
    global _console
    _console = console


@contextmanager
def step(name: str, total: int | None = None) -> Iterator[None]:
    """Open a step for the duration of the block; the first step starts the display."""
    global _display
    if _display is None:
        _display = _Forward(_forward) if _forward is not None else _Display(_console)
    display = _display
    current = _Step(name, total=total)
    display.open(current)
    try:
        yield
    finally:
        display.close(current)
        if not display.steps:
            _display = None


def staged(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: the function runs as a step called `name`."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with step(name):
                return fn(*args, **kwargs)

        return wrapper

    return decorate


def tracked(name: str, fn: Callable[P, R]) -> Callable[P, R]:
    """`fn` wrapped to run as a step called `name` (e.g. one analysis inside `analyse`)."""
    return staged(name)(fn)


def _innermost() -> _Step | None:
    """The innermost step this process opened (a worker's steps are its own)."""
    if _display is None:
        return None
    return next((s for s in reversed(_display.steps) if not s.remote), None)


def expect(more: int) -> None:
    """The innermost step will make `more` fits beyond those announced so far."""
    current = _innermost()
    if current is not None and _display is not None:
        current.total = (current.total or 0) + more
        _display.update(current)


def describe(detail: str) -> None:
    """What the innermost step is working on now (shown on its live line)."""
    current = _innermost()
    if current is not None and _display is not None:
        current.detail = detail
        _display.update(current)


def fit_done(model: str, rows: int, columns: int, seconds: float) -> None:
    """Count one finished fit in the innermost step (one plain line off a terminal)."""
    current = _innermost()
    if current is None or _display is None:
        return
    current.done += 1
    current.last_fit = f"{model} {rows:,} x {columns} in {seconds:.2f} s"
    _display.update(current)
    what = f"{current.detail}: " if current.detail else ""
    _display.log(
        f"          {current.name} fit {current.counted()}: {what}{current.last_fit} "
        f"({current.elapsed():.1f} s elapsed, {current.rate()})"
    )
