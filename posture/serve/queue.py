"""The desk's analysis queue: photos analysed in worker processes while the pages stay responsive.

A dispatcher thread takes queued analyses in order and keeps at most one
per worker in flight, each marked ``running`` while it is. An outcome is
written to ``DATA/cache`` (picture and pickled analysis) before its row is
finished, so a finished row always has its files. A worker process that
dies (a crash, the memory killer) breaks the pool: the pool is rebuilt and
the photos that were in flight are queued again; a photo in flight during
:data:`MAX_ATTEMPTS` breaks is marked failed, so one bad photo costs only
itself. On start, analyses left queued or running by a stopped server are
queued again, and so are finished ones whose cached copy is gone (records
restored from a backup, which never carries the cache).
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from posture.io.outputs import replace_atomically
from posture.serve import store
from posture.serve.photos import photo_path
from posture.serve.worker import Analyse, Job, Outcome, analyse_photo, open_worker

MAX_ATTEMPTS = 2
"""How many worker deaths a photo may be in flight for before it is marked failed."""

CRASHED = ("The analysis process stopped while reading this photo (it crashed or ran out of memory), twice; "
           "the photo is kept, but it could not be analysed.")

LOG = logging.getLogger("posture.serve")


def process_pool(workers: int, model: str | None) -> Callable[[], Executor]:
    """A maker of worker pools: ``workers`` spawned processes, each with its own Analyzer opened at start."""

    def make() -> Executor:
        # spawn, not fork: the server runs threads, which fork does not copy safely.
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=open_worker, initargs=(model,))

    return make


def cache_path(data: Path, sha256: str, analysis_id: int, suffix: str) -> Path:
    """Where an analysis's derived file is kept: rebuilt by analysing again, so never part of a backup."""
    return data / "cache" / f"{sha256}-{analysis_id}{suffix}"


class AnalysisQueue:
    """Analyses photos in the background, one job per worker at a time.

    Args:
        data: the data folder.
        make_executor: makes a fresh pool (at start, and after a worker death).
        workers: how many jobs may be in flight.
        analyse: the function each job runs in the pool.
    """

    def __init__(self, data: Path, make_executor: Callable[[], Executor], *, workers: int,
                 analyse: Analyse = analyse_photo) -> None:
        self.data = data
        self._make_executor = make_executor
        self._analyse = analyse
        self._waiting: queue.Queue[int] = queue.Queue()
        self._slots = threading.Semaphore(workers)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connection = store.connect(data)
        self._executor: Executor | None = None
        self._thread = threading.Thread(target=self._dispatch, name="posture-serve-queue", daemon=True)

    def start(self) -> None:
        """Open the pool, queue again what a stopped server left unfinished or a restore left without its cached
        copy, and start dispatching."""
        (self.data / "cache").mkdir(parents=True, exist_ok=True)
        self._executor = self._make_executor()
        with self._lock:
            # Restored records come without the cache: their photos are analysed again.
            for row in store.worker_analyses(self._connection):
                if not cache_path(self.data, row["sha256"], row["id"], ".pickle").exists():
                    store.requeue_analysis(self._connection, row["id"], attempted=False)
            for row in store.unfinished(self._connection):
                self._waiting.put(row["id"])
        self._thread.start()

    def submit(self, analysis_id: int) -> None:
        """Queue an analysis whose row is committed as ``queued``."""
        self._waiting.put(analysis_id)

    def close(self) -> None:
        """Stop dispatching and the pool; analyses in flight stay ``running`` and are queued again at next start."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            # Outcomes arriving from now on are dropped: their rows stay running and are queued again at next start.
            self._connection.close()

    def _dispatch(self) -> None:
        while not self._stop.is_set():
            try:
                analysis_id = self._waiting.get(timeout=0.2)
            except queue.Empty:
                continue
            while not self._slots.acquire(timeout=0.2):
                if self._stop.is_set():
                    return
            try:
                job = self._job(analysis_id)
            except Exception:  # noqa: BLE001 - the dispatcher must outlive any one row
                LOG.exception("analysis %s could not be started", analysis_id)
                job = None
            if job is None:
                self._slots.release()
                continue
            with self._lock:
                executor = self._executor
            assert executor is not None
            try:
                future = executor.submit(self._analyse, job)
            except (BrokenProcessPool, RuntimeError):
                # The pool broke between two jobs: this one never started, so it is queued again as it was.
                self._replace(executor)
                with self._lock:
                    if self._stop.is_set():
                        return
                    store.requeue_analysis(self._connection, analysis_id, attempted=False)
                self._slots.release()
                self._waiting.put(analysis_id)
                continue
            future.add_done_callback(lambda done, job=job, executor=executor: self._finished(job, executor, done))

    def _job(self, analysis_id: int) -> Job | None:
        """Mark the analysis running and describe its photo; None when it is gone or no longer queued."""
        with self._lock:
            if self._stop.is_set():
                return None
            row = store.analysis(self._connection, analysis_id)
            if row is None or row["status"] != "queued":
                return None
            client = store.client(self._connection, row["client_id"])
            store.start_analysis(self._connection, analysis_id)
        return Job(analysis_id=analysis_id, path=str(photo_path(self.data, row["sha256"], row["extension"])),
                   name=row["original_name"], height_cm=None if client is None else client["height_cm"])

    def _replace(self, broken: Executor) -> None:
        with self._lock:
            if self._executor is broken and not self._stop.is_set():
                self._executor = self._make_executor()
                broken.shutdown(wait=False, cancel_futures=True)

    def _finished(self, job: Job, executor: Executor, future: Future[Outcome]) -> None:
        try:
            try:
                outcome = future.result()
            except BrokenProcessPool:
                self._replace(executor)
                self._after_crash(job)
                return
            except Exception as error:  # noqa: BLE001 - a failure is recorded, not raised in a pool thread
                outcome = Outcome("failed", reason=f"The analysis of {job.name} failed: {type(error).__name__}: "
                                  f"{error}")
            self._record(job, outcome)
        except Exception:  # noqa: BLE001 - e.g. the database closed at shutdown; the row is re-queued at next start
            LOG.exception("the outcome of analysis %s could not be recorded", job.analysis_id)
        finally:
            self._slots.release()

    def _after_crash(self, job: Job) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            row = store.analysis(self._connection, job.analysis_id)
            if row is None:
                return
            if row["attempts"] >= MAX_ATTEMPTS:
                store.finish_analysis(self._connection, job.analysis_id, "failed", reason=CRASHED)
                return
            store.requeue_analysis(self._connection, job.analysis_id)
        self._waiting.put(job.analysis_id)

    def _record(self, job: Job, outcome: Outcome) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            row = store.analysis(self._connection, job.analysis_id)
            if row is None:
                return  # the client was deleted meanwhile
            for data, suffix in ((outcome.picture, ".png"), (outcome.pickled, ".pickle")):
                if data is not None:
                    replace_atomically(cache_path(self.data, row["sha256"], job.analysis_id, suffix), data)
            store.finish_analysis(self._connection, job.analysis_id, outcome.status, reason=outcome.reason,
                                  document=outcome.document, view=outcome.view, body_fraction=outcome.body_fraction,
                                  ranges=outcome.ranges)
