"""The engines that run a batch's per-photo work, all behind one small interface, :class:`Engine`.

- :class:`InProcessEngine`: one Analyzer in this process, photos one after
  another (``workers=0``, and tests).
- :class:`ProcessPoolEngine`: worker processes of our own, each with one
  landmarker; a worker that dies is replaced and the photo it held becomes a
  ``worker`` failure.
- :class:`DaskEngine`: the tasks on an existing Dask distributed cluster.

:func:`pick_engine` chooses one from the run's settings; the run only calls
:meth:`Engine.run`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from posture._native import hide_native_stderr
from posture.batching.tables import failure_record
from posture.batching.work import (
    Options,
    Record,
    SetupError,
    Task,
    analyze_photo,
    open_analyzer,
)
from posture.errors import ExitCode, ModelError, PostureError, SchedulerError

_POLL_SECONDS = 0.1  # how often the loops look at a Ctrl-C; well under the promised second
_STARTUP_DEATHS = 3  # workers dying before they are ready, in a row, before the run gives up
DASK_CONNECT_SECONDS = 5.0
"""How long a run waits for a Dask scheduler to answer (Dask's own default, 30 s, looks like a hang)."""

Handle = Callable[[Record], None]
"""Given each photo's record as it comes in (the run writes it to the tables)."""
OnStart = Callable[[Task, int], None]
"""Told when a photo is handed to a worker process, with the process id."""


class Engine(Protocol):
    """Runs the per-photo work of a batch somewhere."""

    def run(self, tasks: Iterator[Task], options: Options, handle: Handle, stop: threading.Event) -> None:
        """Analyse every task, giving each photo's record to ``handle`` as it comes in.

        ``handle`` is called in the calling thread only, once per task taken,
        in the order photos finish. Once ``stop`` is set, no further task is
        taken and the call returns soon: the in-process engine after the photo
        it is on, the others within about a tenth of a second, abandoning the
        photos under way.

        Raises:
            PostureError: the run cannot go on (a :class:`~posture.errors.ModelError` or
                :class:`~posture.batching.work.SetupError` when the model or an Analyzer cannot be opened;
                workers that keep dying at start; a Dask scheduler out of reach).
        """


def pick_engine(*, workers: int, dask: Any = None, on_start: OnStart | None = None) -> Engine:
    """The engine for a run's settings: Dask when a scheduler is given, else ``workers`` processes (0: this one)."""
    if dask is not None:
        return DaskEngine(dask)
    if workers == 0:
        return InProcessEngine()
    return ProcessPoolEngine(workers, on_start=on_start)


class InProcessEngine:
    """One Analyzer in this process, photos one after another."""

    def run(self, tasks: Iterator[Task], options: Options, handle: Handle, stop: threading.Event) -> None:
        for task in tasks:
            if stop.is_set():
                return
            handle(analyze_photo(task, options))


class ProcessPoolEngine:
    """``workers`` processes, each holding one photo at a time.

    Because a worker holds only one photo, the parent always knows which photo
    a worker that dies was analysing: that photo becomes a ``worker`` failure,
    and a new worker takes its place.

    Args:
        workers: how many worker processes to start.
        on_start: told of each photo as it is handed to a worker, with the worker's pid.
    """

    def __init__(self, workers: int, *, on_start: OnStart | None = None) -> None:
        self.workers = workers
        self.on_start = on_start

    def run(self, tasks: Iterator[Task], options: Options, handle: Handle, stop: threading.Event) -> None:
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

        pool = [start() for _ in range(self.workers)]
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
                        if self.on_start is not None:
                            self.on_start(task, worker.process.pid)
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
                                kind = ModelError if message[1] == ExitCode.MODEL else SetupError
                                fatal = kind(message[2])
                                raise fatal
                    except (EOFError, OSError):
                        alive = False
                    if alive and worker.process.is_alive():
                        continue
                    if stop.is_set():
                        # A signal to the whole group (SIGTERM from a service manager) ended this worker too:
                        # its photo is not done, not failed, and --resume takes it up.
                        return
                    worker.process.join(timeout=1)
                    if worker.task is not None:
                        handle(failure_record(worker.task.path, "worker",
                                              f"The worker process analysing this photo died "
                                              f"({_signal_name(worker.process.exitcode)}; out of memory?); "
                                              "the run went on without it."))
                    elif not worker.ready:
                        startup_deaths += 1
                        if startup_deaths >= _STARTUP_DEATHS:
                            raise PostureError("The worker processes keep dying before they are ready "
                                               f"({_signal_name(worker.process.exitcode)}); is memory short?")
                    worker.connection.close()
                    pool[index] = start()
        finally:
            _stop_workers(pool, gently=not stop.is_set() and fatal is None)


@dataclass(slots=True)
class _Worker:
    process: Any
    connection: Any
    ready: bool = False
    task: Task | None = None


def _worker_main(connection: Any, options: Options) -> None:
    """A worker process: open one Analyzer, then analyse the tasks the parent sends until it sends None."""
    # Ctrl-C and a closed terminal's SIGHUP reach the whole process group; the parent decides how the run stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    hide_native_stderr()
    try:
        open_analyzer(options)
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


def _signal_name(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


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


@contextlib.contextmanager
def dask_client(scheduler: Any, timeout: float = DASK_CONNECT_SECONDS) -> Iterator[Any]:
    """The Dask client of a run: for an address, a client connected here (closed at the end); else ``scheduler``.

    A run connects before it writes anything, so a scheduler out of reach leaves the output folder as it was.

    Args:
        scheduler: a scheduler address (``tcp://host:8786``), a ``distributed.Client``, or None (no Dask).
        timeout: seconds to wait for the scheduler to answer (``distributed.Client``'s ``timeout``).

    Raises:
        SchedulerError: the scheduler did not answer within ``timeout``, or the address is not one.
        PostureError: Dask's distributed package is not installed.
    """
    if not isinstance(scheduler, str):
        yield scheduler
        return
    try:
        from distributed import Client
    except ImportError:
        raise PostureError("--dask needs Dask's distributed scheduler: pip install 'posture[dask]'.") from None
    try:
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        detail = " ".join(str(error).split()).rstrip(".") or type(error).__name__
        raise SchedulerError(f"The Dask scheduler at {scheduler!r} could not be reached within {timeout:g} s "
                             f"({detail}); check the address and that the scheduler is running, or allow longer "
                             "with --dask-timeout.") from None
    try:
        yield client
    finally:
        client.close()


class DaskEngine:
    """The same :func:`~posture.batching.work.analyze_photo` on an existing Dask distributed scheduler.

    At most a few tasks per worker thread are submitted at once, so a million
    photos do not become a million futures.

    Args:
        scheduler: its address (``tcp://host:8786``, connected with :func:`dask_client`) or a ``distributed.Client``.
    """

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def run(self, tasks: Iterator[Task], options: Options, handle: Handle, stop: threading.Event) -> None:
        with dask_client(self.scheduler) as client:
            self._run(client, tasks, options, handle, stop)

    def _run(self, client: Any, tasks: Iterator[Task], options: Options, handle: Handle,
             stop: threading.Event) -> None:
        from distributed import as_completed

        threads = sum(client.nthreads().values()) or 1
        window = max(16, 4 * threads)
        completed = as_completed(loop=client.loop)  # the client of this run, which need not be the default one
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
                    record = failure_record(task.path, "worker",
                                            f"The Dask task failed ({type(error).__name__}: "
                                            f"{' '.join(str(error).split())}); the run went on without it.")
                handle(record)
                submit()
