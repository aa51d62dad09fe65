"""``posture batch``: a folder of photos becomes one table, in parallel, resumable, locally or on Dask.

The pieces, in the order a run uses them:

- :func:`discover` lists the photos of a folder (and the files that are not
  photos, symbolic-link loops, folders named like photos, as failures).
- :func:`read_heights` reads a ``--heights`` CSV file into a :class:`Heights` table.
- :func:`analyze_photo` is the per-photo work: a top-level, picklable
  function from a :class:`Task` and :class:`Options` to a plain record (the
  flat row and the JSON document, or a failure with its kind and reason). It
  never raises for a bad photo. Each process (or thread) opens one
  :class:`~posture.analyzer.Analyzer` and keeps it.
- Three engines run it: in this process (``workers=0``), in worker processes
  of our own (each with one landmarker, a replacement started when one dies,
  the photo it held recorded as a failure), or on a Dask distributed cluster.
- :class:`_Tables` streams ``results.csv``, ``results.jsonl`` and
  ``failures.csv`` to disk as photos finish (one flushed write per line, so a
  crash leaves valid files) and at the end rewrites them sorted by path,
  atomically, so a resumed run gives the same files as an uninterrupted one.
- :func:`run_batch` ties them together; :func:`batch` is the Python API
  (``posture.batch(...)``), returning the rows.

Output formats are documented in docs/batch.md.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posture._native import hide_native_stderr
from posture.batching.tables import failure_record
from posture.errors import ExitCode, InputError, ModelError, OutputError, PostureError

_POLL_SECONDS = 0.1  # how often the loops look at a Ctrl-C; well under the promised second
_STARTUP_DEATHS = 3  # workers dying before they are ready, in a row, before the run gives up


# --------------------------------------------------------------------------- per-photo work


@dataclass(frozen=True, slots=True)
class Options:
    """What every photo of a run shares; sent once to each worker.

    Attributes:
        model: the pose model bundle; None lets each worker prepare the default model.
        max_pixels: refuse photos with more pixels than this.
        uncertainty: average each measurement over five altered copies and give its
            repeatability interval (five more landmark runs); False is ``--fast``.
    """

    model: str | None
    max_pixels: int
    uncertainty: bool = True


@dataclass(frozen=True, slots=True)
class Task:
    """One photo to analyse.

    Attributes:
        path: the photo, as found under the folder given (this is the ``path`` column).
        height_cm: the person's standing height, or None.
        annotate_to: where to write the annotated PNG, or None.
    """

    path: str
    height_cm: float | None = None
    annotate_to: str | None = None


class SetupError(PostureError):
    """A worker could not open its Analyzer for a reason other than the model: a problem of the run, not a photo."""


_LOCAL = threading.local()


def _analyzer(options: Options) -> Any:
    """This thread's Analyzer for these options, opened on first use and kept (Dask threads reuse it)."""
    key = (options.model, options.max_pixels)
    cached = getattr(_LOCAL, "analyzer", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    from posture.analyzer import Analyzer

    if cached is not None:
        with _OPENED_LOCK:
            if cached[1] in _OPENED:
                _OPENED.remove(cached[1])
        cached[1].close()
    try:
        analyzer = Analyzer(options.model, max_pixels=options.max_pixels)
    except PostureError:
        raise
    except Exception as error:
        raise SetupError(f"posture could not start in a worker ({type(error).__name__}: "
                         f"{' '.join(str(error).split())}); please report it.") from error
    _LOCAL.analyzer = (key, analyzer)
    with _OPENED_LOCK:
        if not _OPENED:
            # Closed before the interpreter tears MediaPipe down, which its own finaliser cannot survive.
            atexit.register(_close_all)
        _OPENED.append(analyzer)
    return analyzer


_OPENED: list[Any] = []
_OPENED_LOCK = threading.Lock()


def _close_all() -> None:
    with _OPENED_LOCK:
        while _OPENED:
            _OPENED.pop().close()


def analyze_photo(task: Task, options: Options) -> dict[str, Any]:
    """Analyse one photo into a plain, picklable record; a bad photo gives a failure record, never an exception.

    Returns:
        ``{"outcome": "result", "path", "sha256", "row", "record"}`` for an
        analysed or refused photo (``row`` is the flat row, ``record`` the JSON
        document), or ``{"outcome": "failure", "path", "kind", "reason"}``.

    Raises:
        ModelError: the pose model cannot be opened: a problem of the run, not of the photo.
        SetupError: the Analyzer cannot be opened for another reason.
    """
    analyzer = _analyzer(options)
    try:
        analysis = analyzer.analyze(task.path, height_cm=task.height_cm, uncertainty=options.uncertainty)
        from posture.analysis import to_row
        from posture.render.json import analysis_to_dict

        if task.annotate_to is not None and analysis.ok:
            from posture.io.outputs import encode_png, write_atomic
            from posture.render.image import render_annotated

            target = Path(task.annotate_to)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise OutputError(f"Could not create the folder {str(target.parent)!r}: "
                                  f"{error.strerror or error}.") from None
            write_atomic(target, encode_png(render_annotated(analysis)), protect=(Path(task.path),))
        row = to_row(analysis)
        return {"outcome": "result", "path": task.path, "sha256": row["input_sha256"], "row": row,
                "record": analysis_to_dict(analysis)}
    except ModelError:
        raise
    except InputError as error:
        return failure_record(task.path, "input", str(error))
    except OutputError as error:
        return failure_record(task.path, "output", str(error))
    except PostureError as error:
        return failure_record(task.path, "internal", str(error))
    except Exception as error:  # one photo's bug must not stop a run of thousands
        detail = " ".join(str(error).split())
        return failure_record(task.path, "internal", f"posture failed on this photo ({type(error).__name__}: {detail}); "
                        "please report it.")


# --------------------------------------------------------------------------- engines


Record = dict[str, Any]
Handle = Callable[[Record], None]


class _Stop:
    """Set by Ctrl-C (SIGINT) while a run is under way; the loops look at it at least every 0.1 s."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: Any = None

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, lambda number, frame: self.event.set())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def is_set(self) -> bool:
        return self.event.is_set()


def _run_here(tasks: Iterator[Task], options: Options, handle: Handle, stop: _Stop) -> None:
    """The in-process engine: one Analyzer in this process, photos one after another."""
    for task in tasks:
        if stop.is_set():
            return
        handle(analyze_photo(task, options))


def _worker_main(connection: Any, options: Options) -> None:
    """A worker process: open one Analyzer, then analyse the tasks the parent sends until it sends None."""
    # Ctrl-C reaches the whole process group; the parent decides how the run stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    hide_native_stderr()
    try:
        _analyzer(options)
    except PostureError as error:
        connection.send(("fatal", int(error.exit_code), str(error)))
        return
    connection.send(("ready", os.getpid()))
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            record = analyze_photo(task, options)
        except (ModelError, SetupError) as error:
            connection.send(("fatal", int(error.exit_code), str(error)))
            return
        connection.send(("done", record))


@dataclass(slots=True)
class _Worker:
    process: Any
    connection: Any
    ready: bool = False
    task: Task | None = None


def _signal_name(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


def _run_pool(tasks: Iterator[Task], options: Options, workers: int, handle: Handle, stop: _Stop,
              on_start: Callable[[Task, int], None] | None) -> None:
    """The worker-process engine: ``workers`` processes, one photo each at a time.

    Each worker holds at most one photo, so the parent always knows which photo
    a worker that dies was analysing: that photo becomes a ``worker`` failure,
    and a new worker takes its place.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    # spawn, not fork: the parent may run threads (the progress bar, Dask), which fork does not copy safely.
    context = multiprocessing.get_context("spawn")

    def start() -> _Worker:
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(target=_worker_main, args=(child_end, options), daemon=True,
                                  name="posture-batch-worker")
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    pool = [start() for _ in range(workers)]
    startup_deaths = 0
    exhausted = False
    fatal: PostureError | None = None
    try:
        while not stop.is_set():
            for worker in pool:
                if worker.ready and worker.task is None and not exhausted:
                    task = next(tasks, None)
                    if task is None:
                        exhausted = True
                        break
                    worker.connection.send(task)
                    worker.task = task
                    if on_start is not None:
                        on_start(task, worker.process.pid)
            if exhausted and all(worker.task is None for worker in pool):
                return
            waitables = [w.connection for w in pool] + [w.process.sentinel for w in pool]
            ready = wait(waitables, timeout=_POLL_SECONDS)
            if not ready:
                continue
            for index, worker in enumerate(pool):
                if worker.connection not in ready and worker.process.sentinel not in ready:
                    continue
                alive = True
                try:
                    while worker.connection.poll():
                        message = worker.connection.recv()
                        if message[0] == "ready":
                            worker.ready = True
                            startup_deaths = 0
                        elif message[0] == "done":
                            worker.task = None
                            handle(message[1])
                        elif message[0] == "fatal":
                            fatal = ModelError(message[2]) if message[1] == ExitCode.MODEL else SetupError(message[2])
                            raise fatal
                except (EOFError, OSError):
                    alive = False
                if alive and worker.process.is_alive():
                    continue
                worker.process.join(timeout=1)
                if worker.task is not None:
                    handle(failure_record(worker.task.path, "worker",
                                    f"The worker process analysing this photo died ({_signal_name(worker.process.exitcode)}"
                                    "; out of memory?); the run went on without it."))
                elif not worker.ready:
                    startup_deaths += 1
                    if startup_deaths >= _STARTUP_DEATHS:
                        raise PostureError("The worker processes keep dying before they are ready "
                                           f"({_signal_name(worker.process.exitcode)}); is memory short?")
                worker.connection.close()
                pool[index] = start()
    finally:
        _stop_workers(pool, gently=not stop.is_set() and fatal is None)


def _stop_workers(pool: list[_Worker], *, gently: bool) -> None:
    if gently:
        for worker in pool:
            try:
                worker.connection.send(None)
            except (OSError, ValueError):
                pass
    deadline = time.monotonic() + (2.0 if gently else 0.0)
    for worker in pool:
        worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
        if worker.process.is_alive():
            worker.process.terminate()
    for worker in pool:
        worker.process.join(timeout=0.5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=0.5)
        worker.connection.close()


def _run_dask(tasks: Iterator[Task], options: Options, scheduler: Any, handle: Handle, stop: _Stop) -> None:
    """The Dask engine: the same :func:`analyze_photo` on an existing distributed scheduler.

    ``scheduler`` is its address (``tcp://host:8786``) or a ``distributed.Client``.
    At most a few tasks per worker thread are submitted at once, so a million
    photos do not become a million futures.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise PostureError("--dask needs Dask's distributed scheduler: pip install 'posture[dask]'.") from None
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="30s") if own else scheduler
    except (OSError, TimeoutError) as error:
        raise PostureError(f"Could not reach the Dask scheduler at {scheduler!r} ({error}).") from None
    try:
        threads = sum(client.nthreads().values()) or 1
        window = max(16, 4 * threads)
        completed = as_completed()
        held: dict[Any, Task] = {}

        def submit() -> bool:
            task = next(tasks, None)
            if task is None:
                return False
            future = client.submit(analyze_photo, task, options, pure=False)
            held[future] = task
            completed.add(future)
            return True

        while len(held) < window and submit():
            pass
        while held:
            if stop.is_set():
                client.cancel(list(held))
                return
            finished = completed.next_batch(block=False)
            if not finished:
                time.sleep(_POLL_SECONDS / 2)
                continue
            for future in finished:
                task = held.pop(future)
                try:
                    record = future.result()
                except (ModelError, SetupError):
                    raise
                except Exception as error:  # KilledWorker, a lost connection: this photo, not the run
                    record = failure_record(task.path, "worker", f"The Dask task failed ({type(error).__name__}: "
                                      f"{' '.join(str(error).split())}); the run went on without it.")
                handle(record)
                submit()
    finally:
        if own:
            client.close()
