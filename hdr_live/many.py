"""Many clips at once: one :class:`~hdr_live.jobs.ClipJob` per input with its outputs in one
folder, run one after the other, in ``workers`` processes (one pipeline each), or on Ray; the
per-clip task is :func:`hdr_live.jobs.run_clip` in all three.

A clip's outputs count as complete when its marker ``<stem>.done.json`` (written last,
atomically) records the same job — input, outputs and settings — made from an input of the same
content (size, modification time, sha256), and those outputs exist; a run
skips complete clips, so an interrupted run resumes where it stopped, and a changed setting
(another export, another backend) redoes the clip. A clip that fails is reported and does not
stop the others; Ctrl-C stops the run: the clip in hand finishes its frame and closes its
outputs, no further clip starts.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from hdr_live.io.part_files import part_path
from hdr_live.jobs import ClipJob, ClipOutcome, run_clip
from hdr_live.stop_signals import STOP_SIGNALS
from hdr_live.weights import sha256_of

#: The longest file name most file systems take (ext4, XFS, APFS, NTFS), in bytes.
NAME_MAX_BYTES = 255
#: What a planned job's outputs are called, by kind (``<stem>`` + suffix).
VIDEO_SUFFIX, POSES_SUFFIX, MARKER_SUFFIX = ".mp4", ".poses.jsonl", ".done.json"


@dataclasses.dataclass(frozen=True)
class PlannedClip:
    """A job and the marker that says its outputs are complete."""

    job: ClipJob
    marker: Path


def plan(inputs: Sequence[str], out_dir: Path, template: ClipJob,
         export_suffixes: Sequence[str] = ()) -> list[PlannedClip]:
    """One job per input, its outputs ``out_dir/<stem>.mp4``, ``<stem>.poses.jsonl`` and
    ``<stem><suffix>`` per export suffix; other settings from ``template``.

    Raises:
        ValueError: two inputs share a stem (their outputs would collide), naming both; or an
            output's name would be longer than :data:`NAME_MAX_BYTES` (checked before any work).
    """
    seen: dict[str, str] = {}
    planned = []
    longest = max([VIDEO_SUFFIX, POSES_SUFFIX, MARKER_SUFFIX, *export_suffixes], key=len)
    for spec in inputs:
        stem = Path(spec).stem or Path(spec).name
        if len(os.fsencode(stem + longest)) > NAME_MAX_BYTES:
            raise ValueError(f"{spec}: its outputs' names ({stem[:40]}…{longest}) would be longer "
                             f"than a file name may be ({NAME_MAX_BYTES} bytes): rename it")
        if stem in seen:
            raise ValueError(f"{seen[stem]} and {spec} would write the same outputs "
                             f"({out_dir / stem}.*): rename one or run them separately")
        seen[stem] = spec
        job = dataclasses.replace(
            template, input=spec, out=out_dir / f"{stem}{VIDEO_SUFFIX}",
            poses=out_dir / f"{stem}{POSES_SUFFIX}",
            exports=tuple(out_dir / f"{stem}{s}" for s in export_suffixes))
        planned.append(PlannedClip(job, out_dir / f"{stem}{MARKER_SUFFIX}"))
    return planned


def _job_record(job: ClipJob) -> dict:
    """The job as JSON-ready values (what a marker must match to skip the clip)."""
    return json.loads(json.dumps(dataclasses.asdict(job), default=str))


#: The lock file a many-clip run holds in its output folder.
LOCK_NAME = ".hdr-live.lock"


class OutDirBusy(RuntimeError):
    """Another run holds the output folder's lock (the message names the folder and its pid)."""


@contextlib.contextmanager
def out_dir_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir/.hdr-live.lock`` for a run, so two runs never write the same outputs (an
    advisory ``flock``, released by the system if the process dies; no lock where ``fcntl`` is
    missing, i.e. on Windows).

    Raises:
        OutDirBusy: another process holds it.
        OSError: the lock file cannot be created.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here
        yield
        return
    path = Path(out_dir) / LOCK_NAME
    with open(path, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "?"
            raise OutDirBusy(f"another hdr-live run (pid {holder}) is writing into {out_dir}; "
                             "wait for it or use another --out-dir") from None
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def input_identity(spec: str) -> dict:
    """What identifies an input's content: for a file its size, modification time (ns) and
    sha256 (:func:`hdr_live.weights.sha256_of`); for a folder the same over its files (names,
    sizes, newest time, one sha256 of the names and each file's sha256); {} for a camera or
    what cannot be read (never counted as complete)."""
    path = Path(spec)
    try:
        if path.is_file():
            files, sha256 = [path], sha256_of(path)
        else:
            files = sorted(p for p in path.iterdir() if p.is_file())
            listing = "".join(f"{f.name}\0{sha256_of(f)}\n" for f in files)
            sha256 = hashlib.sha256(listing.encode("utf-8", "surrogateescape")).hexdigest()
        stats = [f.stat() for f in files]
    except OSError:
        return {}
    return {"files": len(files), "size": sum(st.st_size for st in stats),
            "mtime_ns": max((st.st_mtime_ns for st in stats), default=0), "sha256": sha256}


def is_complete(clip: PlannedClip) -> bool:
    """The clip's marker records this very job, made from an input with the same content (size,
    time, sha256: :func:`input_identity`), and its outputs exist."""
    try:
        marker = json.loads(clip.marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    job = clip.job
    outputs = [p for p in (job.out, job.poses, *job.exports) if p is not None]
    if not (isinstance(marker, dict) and marker.get("job") == _job_record(job)
            and all(p.is_file() for p in outputs)):
        return False
    identity = input_identity(job.input)
    return bool(identity) and marker.get("input") == identity


#: Set while this process runs a clip (a worker's parent watch waits for it to end).
_BUSY = threading.Event()
#: How often a worker looks whether its parent is still there, seconds.
_PARENT_POLL_S = 1.0


def run_and_mark(clip: PlannedClip) -> ClipOutcome:
    """:func:`run_clip`, then the marker when it finished (the task each worker runs); an error
    becomes a ``failed`` outcome with its one-line message, and so does a clip of no frame."""
    _BUSY.set()
    try:
        identity = input_identity(clip.job.input)  # the content these outputs come from
        outcome = run_clip(clip.job)
    except KeyboardInterrupt as exc:
        return ClipOutcome(clip.job.input, "interrupted", message="stopped before its end",
                           signum=getattr(exc, "signum", 0) or signal.SIGINT)
    except Exception as exc:  # noqa: BLE001 - one clip's failure must not end the others
        return ClipOutcome(clip.job.input, "failed", message=f"{exc}" or type(exc).__name__)
    finally:
        _BUSY.clear()
    if outcome.status == "done" and outcome.frames == 0:
        return dataclasses.replace(outcome, status="failed", message="no frame could be processed")
    if outcome.status == "done":
        record = {"job": _job_record(clip.job), "input": identity,
                  "outcome": dataclasses.asdict(outcome)}
        tmp = part_path(clip.marker)
        tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(tmp, clip.marker)
    return outcome


def run_many(clips: Sequence[PlannedClip], workers: int = 1, ray_address: str | None = None,
             on_outcome: Callable[[ClipOutcome], None] | None = None) -> list[ClipOutcome]:
    """Run the clips not yet complete; returns one outcome per clip, in the given order.

    Args:
        clips: the planned clips (:func:`plan`).
        workers: worker processes (1 = in this process, one after the other).
        ray_address: run on Ray instead (``"local"`` starts a local instance with ``workers``
            CPUs; otherwise the address of an existing cluster, as ``ray.init`` takes it).
        on_outcome: called with each outcome as it arrives.

    Raises:
        ImportError: Ray asked for but not installed (the ``ray`` extra).
    """
    outcomes: dict[int, ClipOutcome] = {}
    todo = []
    for i, clip in enumerate(clips):
        if is_complete(clip):
            outcomes[i] = ClipOutcome(clip.job.input, "skipped", message="outputs complete")
        else:
            todo.append(i)
    report = on_outcome or (lambda _: None)
    for outcome in outcomes.values():
        report(outcome)
    jobs = [clips[i] for i in todo]
    if ray_address is not None:
        results = _on_ray(jobs, workers, ray_address, report)
    elif workers > 1 and len(jobs) > 1:
        results = _in_processes(jobs, workers, report)
    else:
        results = _one_after_the_other(jobs, report)
    outcomes.update(zip(todo, results))
    return [outcomes[i] for i in range(len(clips))]


def _not_started(clip: PlannedClip, signum: int = signal.SIGINT) -> ClipOutcome:
    return ClipOutcome(clip.job.input, "interrupted", message="not started", signum=signum)


def _one_after_the_other(jobs: Sequence[PlannedClip],
                         report: Callable[[ClipOutcome], None]) -> list[ClipOutcome]:
    results: list[ClipOutcome] = []
    for clip in jobs:
        if results and results[-1].status == "interrupted":
            results.append(_not_started(clip, results[-1].signum))
            continue
        results.append(run_and_mark(clip))
        report(results[-1])
    return results


def _in_processes(jobs: Sequence[PlannedClip], workers: int,
                  report: Callable[[ClipOutcome], None]) -> list[ClipOutcome]:
    """The clips in ``workers`` spawned processes. A stop signal stops the run: Ctrl-C reaches
    the workers from the terminal; SIGTERM or SIGHUP, sent to this process alone, is passed on
    to them; each busy worker finishes its frame and closes its outputs, idle ones ignore it,
    and no further clip starts. Workers end when this process ends (:func:`_worker_init`)."""
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no forked threads
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context,
                                                initializer=_worker_init,
                                                initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(run_and_mark, clip) for clip in jobs]
        clip_of = dict(zip(futures, jobs))
        signum = 0
        try:
            for future in concurrent.futures.as_completed(futures):
                report(_result(future, clip_of[future]))
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", 0) or signal.SIGINT
            for future in futures:
                future.cancel()
            if signum != signal.SIGINT:  # the terminal's Ctrl-C reached them already
                _signal_workers(pool, signum)
        return [_not_started(clip, signum) if f.cancelled() else _result(f, clip)
                for f, clip in zip(futures, jobs)]


def _signal_workers(pool: concurrent.futures.ProcessPoolExecutor, signum: int) -> None:
    """Send ``signum`` to the pool's worker processes (those still alive)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError):
            os.kill(process.pid, signum)


def _worker_init(parent_pid: int) -> None:
    """A worker's start: stop signals are ignored while it waits for a clip (the clip's own
    :class:`hdr_live.stop_signals.GracefulStop` listens while it runs, so no traceback from an idle
    worker), and a thread ends the worker when its parent is gone (killed with SIGKILL, say):
    a clip in hand is stopped after its frame first."""
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="hdr-live-parent-watch",
                     daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    """End this worker once its parent process is gone (see :func:`_worker_init`)."""
    while os.getppid() == parent_pid:
        time.sleep(_PARENT_POLL_S)
    if _BUSY.is_set():
        os.kill(os.getpid(), signal.SIGTERM)
        while _BUSY.is_set():
            time.sleep(0.1)
    os._exit(0)


def _result(future: concurrent.futures.Future, clip: PlannedClip) -> ClipOutcome:
    """A finished worker's outcome; a worker that died gives a ``failed`` one."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - e.g. BrokenProcessPool: a worker was killed
        return ClipOutcome(clip.job.input, "failed", message=f"worker failed: {exc!r}")


def _on_ray(jobs: Sequence[PlannedClip], workers: int, address: str,
            report: Callable[[ClipOutcome], None]) -> list[ClipOutcome]:
    import ray

    started = not ray.is_initialized()
    if started:
        if address == "local":
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    try:
        task = ray.remote(num_cpus=1)(run_and_mark)
        refs = [task.remote(clip) for clip in jobs]
        clip_of = dict(zip(refs, jobs))
        pending = list(refs)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                report(_ray_result(ray, done[0], clip_of[done[0]]))
        except KeyboardInterrupt:
            for ref in pending:
                ray.cancel(ref)
        return [_ray_result(ray, ref, clip) if ref not in pending else _not_started(clip)
                for ref, clip in zip(refs, jobs)]
    finally:
        if started:
            ray.shutdown()


def summary_table(outcomes: Sequence[ClipOutcome]) -> str:
    """A plain-text table: input, status, frames, both-hands share, wall seconds, frame rate."""
    rows = [("input", "status", "frames", "both hands", "wall s", "fps")]
    for o in outcomes:
        fps = f"{o.frames / o.wall_s:.2f}" if o.wall_s > 0 and o.frames else "-"
        both = f"{o.two_hands_pct:.1f}%" if o.frames else "-"
        wall = f"{o.wall_s:.1f}" if o.wall_s > 0 else "-"
        status = o.status + (f" ({o.message})" if o.message else "")
        rows.append((o.input, status, str(o.frames), both, wall, fps))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows)


def _ray_result(ray, ref, clip: PlannedClip) -> ClipOutcome:
    """A finished Ray task's outcome; a task that failed gives a ``failed`` one."""
    try:
        return ray.get(ref)
    except Exception as exc:  # noqa: BLE001 - e.g. a worker that died
        return ClipOutcome(clip.job.input, "failed", message=f"worker failed: {exc!r}")

