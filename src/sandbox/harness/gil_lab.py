"""gil_lab: the experiment harness of GIL 실험실.

Runs workers sequentially, as threads or as processes, and records what happened: per worker the
spans of work (for the timeline) and CPU time; per variant the wall time, the CPU time of every
thread and child process, and named metrics. Records are JSON lines written to a dedicated file
descriptor (3), never to stdout, so print() in an experiment cannot corrupt them.
"""

import json
import multiprocessing
import os
import platform
import glob
import resource
import subprocess
import sys
import sysconfig
import threading
import time
from contextlib import contextmanager
from queue import Empty

import gil_timeline

__all__ = [
    "param", "params", "repeats", "rounds", "metric", "variant", "run_workers", "compare",
    "on_other_runtimes", "series", "Worker",
]

_RESULT_FD = 3
_HERE = os.path.dirname(os.path.abspath(__file__))
_MAX_SPANS = 4000          # per worker and variant; the server bounds it again
_MERGE_GAP_NS = 20_000     # consecutive chunks closer than this are one span
_CHUNK = 5_000             # loop iterations per recorded chunk: ≈ 100 µs, ≈ 1 % overhead
_JITTER_NS = 10_000_000    # wall times this close agree, whatever their spread (see rounds())


def _load_config():
    try:
        with open(os.path.join(_HERE, "config.json"), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {"params": {}, "repeats": 1}


_CONFIG = _load_config()
_main_pid = os.getpid()
_current = None            # the variant being measured, if any
_recording = None          # this process's GIL recording during a variant (gil_timeline)
_walls = {}                # variant name → wall times of its repeats in the current rounds()
# Set when this process measures for one of the experiment's other runtimes (on_other_runtimes):
# its variants are named `<series>/<name>`, and the host's process wrote the environment.
_SERIES = os.environ.get("GIL_LAB_SERIES", "")


def _runtime_id():
    """`cpython-3.11`, `cpython-3.13t` (free-threaded build), `pypy3`: as the server names them."""
    if sys.implementation.name == "pypy":
        return "pypy3"
    free = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    return f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}{free}"


def _gil_enabled():
    gil = getattr(sys, "_is_gil_enabled", None)
    return bool(gil()) if gil else True


def _emit(record):
    """Writes one JSON line to the result channel; only the main process ever writes (spawn and
    forkserver children import this module afresh, hence the parent_process check)."""
    if os.getpid() != _main_pid or multiprocessing.parent_process() is not None:
        return
    data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    try:
        while data:
            written = os.write(_RESULT_FD, data)
            data = data[written:]
    except OSError:
        pass  # run outside gil-lab: no result channel, nothing to record


def param(name):
    """The value of one parameter, as validated by the server."""
    return _CONFIG["params"][name]


def params():
    return dict(_CONFIG["params"])


def repeats():
    """How many times each variant is measured at most (the server decides)."""
    return int(_CONFIG.get("repeats", 1))


def rounds():
    """The repeats of an interleaved comparison, adaptively: at least `min_repeats`, at most
    `repeats()`, and no more once every variant's wall times lie within `spread` of their median
    (both from the server's configuration). A quiet machine is done after the minimum; noise
    buys more repeats, up to the maximum.

        for r in lab.rounds():
            for name in variants:
                with lab.variant(name, r):
                    ...
    """
    most = repeats()
    least = max(1, min(most, int(_CONFIG.get("min_repeats", most))))
    spread = float(_CONFIG.get("spread", 0.0))
    _walls.clear()
    for r in range(most):
        yield r
        if r + 1 >= least and _settled(spread):
            return


def _settled(spread):
    """Whether every variant's wall times so far lie within `spread` (a fraction) of their
    median, or within 10 ms of each other: a process start jitters by milliseconds, and
    repeating a 0.1 s variant for that buys nothing."""
    for walls in _walls.values():
        ordered = sorted(walls)
        middle = len(ordered) // 2
        median = (ordered[middle] + ordered[~middle]) / 2
        if ordered[-1] - ordered[0] > max(spread * median, _JITTER_NS):
            return False
    return True


def metric(name, value):
    """Attaches a named number to the variant being measured (or to the whole run)."""
    if _current is not None:
        _current["metrics"][str(name)] = value
    else:
        _emit({"type": "metric", "name": str(name), "value": value})


def _cpu_ns():
    """CPU time of this process's threads, and of its waited-for children, in ns."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (int((own.ru_utime + own.ru_stime) * 1e9),
            int((children.ru_utime + children.ru_stime) * 1e9))


@contextmanager
def variant(name, repeat=0):
    """Measures a block: wall time, CPU of all threads and waited-for children, and metrics."""
    global _current, _recording
    name = f"{_SERIES}/{name}" if _SERIES else str(name)
    record = {"type": "variant", "name": name, "repeat": repeat, "runtime": _runtime_id(),
              "gil_enabled": _gil_enabled(), "workers": [], "metrics": {}, "process_cpu_ns": 0}
    outer, _current = _current, record
    outer_recording = _recording
    if outer_recording is None:   # a nested variant is part of the outer one's recording
        _recording = _start_recording(-1)
    own0, children0 = _cpu_ns()
    t0 = time.perf_counter_ns()
    record["t0_ns"] = t0
    try:
        yield record
    finally:
        record["wall_ns"] = time.perf_counter_ns() - t0
        mine = _recording if outer_recording is None else None
        record["gil_timeline"] = _gil_timeline(mine, record["workers"], t0)
        if record["gil_timeline"] is None and _CONFIG.get("gil_sample_ns"):
            record["gil_timeline_missing"] = gil_timeline.why_not()
        _recording = outer_recording
        _walls.setdefault(record["name"], []).append(record["wall_ns"])
        own1, children1 = _cpu_ns()
        # Workers started by a forkserver are its children, not ours: RUSAGE_CHILDREN misses
        # them, so the workers' own CPU times count where they are more.
        children = max(children1 - children0, record.pop("process_cpu_ns"))
        record["cpu_ns"] = own1 - own0 + children
        _current = outer
        for worker in record["workers"]:
            worker["spans"] = [[a - t0, b - t0] for a, b in worker["spans"]]
            worker.pop("gil_timeline", None)
        del record["t0_ns"]
        _emit(record)


class Worker:
    """Handed to the target function: its id, and ways to record spans of work."""

    def __init__(self, worker_id):
        self.id = worker_id
        self.spans = []
        self.truncated = False

    def _add(self, t0, t1):
        if self.spans and t0 - self.spans[-1][1] < _MERGE_GAP_NS:
            self.spans[-1][1] = t1
        elif len(self.spans) < _MAX_SPANS:
            self.spans.append([t0, t1])
        else:
            self.truncated = True

    def chunks(self, total, size=_CHUNK):
        """Yields chunk sizes that add up to `total`, recording each chunk as a span of work.

        A chunk during which this thread was kept waiting (its CPU time well below its wall time:
        the GIL was elsewhere, or the OS ran someone else) is left out of the timeline, so the
        picture shows only when the worker really ran.
        """
        done = 0
        while done < total:
            n = min(size, total - done)
            t0 = time.perf_counter_ns()
            c0 = time.thread_time_ns()
            yield n
            c1 = time.thread_time_ns()
            t1 = time.perf_counter_ns()
            cpu, wall = c1 - c0, t1 - t0
            if wall - cpu <= max(cpu // 2, 20_000):
                self._add(t0, t1)
            done += n

    @contextmanager
    def span(self):
        """Records the block as one span of work (for work that is not a simple loop)."""
        t0 = time.perf_counter_ns()
        try:
            yield
        finally:
            self._add(t0, time.perf_counter_ns())


def _finish(worker, cpu_ns):
    return {"id": worker.id, "cpu_ns": cpu_ns, "spans": worker.spans, "truncated": worker.truncated}


def _start_recording(lane):
    """Starts this process's GIL recording, the calling thread as `lane`, if the server asked
    for one (`gil_sample_ns`) and this runtime allows it."""
    period = int(_CONFIG.get("gil_sample_ns", 0))
    if not period:
        return None
    recording = gil_timeline.Recording(period)
    recording.register(lane)
    recording.watch_new_threads()
    return recording


def _gil_timeline(recording, workers, t0):
    """The variant's GIL timeline: from the worker processes' own recordings where it ran
    processes (one GIL each, one lane per process), else from this process's."""
    mine = recording.stop(t0) if recording is not None else None
    theirs = [w["gil_timeline"] for w in workers if w.get("gil_timeline")]
    if not theirs:
        return mine
    merged = {"gil": theirs[0]["gil"], "period_ns": max(t["period_ns"] for t in theirs),
              "truncated": any(t["truncated"] for t in theirs), "processes": True}
    for kind in ("holds", "waits", "sleeps", "runs"):
        merged[kind] = [[lane, a - t0, b - t0] for t in theirs for lane, a, b in t[kind]
                        if lane is not None and lane >= 0]
    return merged


def _thread_body(target, worker, args, out):
    if _recording is not None:
        _recording.register(worker.id)
    c0 = time.thread_time_ns()
    target(worker, *args)
    out.append(_finish(worker, time.thread_time_ns() - c0))


def _process_body(target, worker, args, queue):
    global _recording
    # A forked child inherits the parent's recording but not its sampling thread: its own GIL
    # gets a recording of its own, its times absolute (the parent makes them relative).
    _recording = _start_recording(worker.id)
    c0 = time.process_time_ns()
    target(worker, *args)
    record = _finish(worker, time.process_time_ns() - c0)
    if _recording is not None:
        record["gil_timeline"] = _recording.stop(0)
    queue.put(record)


def run_workers(target, workers, mode, args=(), start_method="fork"):
    """Runs `target(worker, *args)` for `workers` workers: "sequential", "threads" or "processes".

    The start method of processes is always explicit (Python 3.14 changed Linux's default).
    Returns the workers' records and adds them to the variant being measured.
    """
    records = []
    if mode == "sequential":
        for i in range(workers):
            _thread_body(target, Worker(i), args, records)
    elif mode == "threads":
        threads = [threading.Thread(target=_thread_body, args=(target, Worker(i), args, records))
                   for i in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elif mode == "processes":
        # Each process records its own GIL; the parent's, which only waits, would cost a core
        # slice for nothing.
        if _recording is not None:
            _recording.stop(0)
        context = multiprocessing.get_context(start_method)
        queue = context.Queue()
        processes = [context.Process(target=_process_body, args=(target, Worker(i), args, queue))
                     for i in range(workers)]
        for p in processes:
            p.start()
        records = _collect(queue, processes)
        for p in processes:
            p.join()
        if _current is not None:
            _current["process_cpu_ns"] += sum(r["cpu_ns"] for r in records)
    else:
        raise ValueError(f"unknown mode {mode!r}: use sequential, threads or processes")
    records.sort(key=lambda r: r["id"])
    if _current is not None:
        _current["workers"].extend(records)
    return records


def _collect(queue, processes):
    """Takes the children's records before joining them (a child blocks until its record is
    read), without hanging when a child died before sending one."""
    records = []
    while len(records) < len(processes):
        try:
            records.append(queue.get(timeout=0.05))
        except Empty:
            if all(p.exitcode is not None for p in processes):
                try:
                    while True:
                        records.append(queue.get_nowait())
                except Empty:
                    break
    return records


_MODES = {"sequential": "sequential", "threads": "threads", "processes": "processes"}


def compare(target, workers, variants=("sequential", "threads", "processes"), args=(),
            start_method="fork"):
    """Measures each variant in `rounds()`, interleaved so drift hits them all alike."""
    variants = list(variants)
    if not _SERIES:
        _emit({"type": "plan", "variants": variants, "repeats": repeats()})
    for r in rounds():
        for name in variants:
            with variant(name, r):
                run_workers(target, workers, _MODES[name], args, start_method)


def _interpreter(runtime):
    """The path of `runtime` as the sandbox sees it: `free-threaded` (the newest free-threaded
    CPython under /usr/local/bin or /usr/bin), `pypy3`, or `host`; None if it is not there."""
    if runtime == "host":
        return sys.executable
    if runtime == "pypy3":
        return "/usr/bin/pypy3" if os.path.exists("/usr/bin/pypy3") else None
    if runtime == "free-threaded":
        found = glob.glob("/usr/local/bin/python3.1[3-9]t") + glob.glob("/usr/bin/python3.1[3-9]t")
        found.sort(key=lambda p: int(p.rsplit(".", 1)[1][:-1]), reverse=True)
        return found[0] if found else None
    return None


def series():
    """The key of the runtime this process measures for (`gil-on`), or "" on the host's."""
    return _SERIES


def on_other_runtimes(keys=None):
    """Runs this same program again on each of the experiment's other runtimes (its `runtimes`
    in experiment.toml, e.g. the free-threaded build with the GIL forced on, and off), one after
    the other; `keys` picks some of them. Their variants are named `<key>/<name>` and their
    speedups are against their own `<key>/sequential`. A runtime this machine lacks is skipped
    with a note. In those runs this does nothing, so the program can simply call it at its end."""
    if _SERIES:
        return
    main = os.path.abspath(sys.argv[0])
    boot = (f"import sys\nsys.path.insert(0, {_HERE!r})\n"
            f"sys.argv[0] = __file__ = {main!r}\n"
            "exec(compile(open(__file__, 'rb').read(), __file__, 'exec'))\n")
    for other in _CONFIG.get("runtimes", []):
        if keys is not None and other["key"] not in keys:
            continue
        path = _interpreter(other["runtime"])
        label = other.get("label", other["key"])
        if path is None:
            print(f"[{label}] 이 서버에 {other['runtime']} 런타임이 없어 건너뜁니다.", flush=True)
            continue
        args = [path, "-I", "-u", "-B"]
        if other.get("gil") is not None:
            args += ["-X", f"gil={1 if other['gil'] else 0}"]
        print(f"\n[{label}] {os.path.basename(path)}에서 같은 프로그램을 다시 실행합니다", flush=True)
        env = dict(os.environ, GIL_LAB_SERIES=other["key"])
        channel = (_RESULT_FD,) if _has_channel() else ()
        subprocess.run(args + ["-c", boot], env=env, pass_fds=channel, check=False)


def _has_channel():
    try:
        os.fstat(_RESULT_FD)
        return True
    except OSError:
        return False


def _usable_cores():
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count()


def _environment():
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "type": "environment",
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "gil_enabled": bool(gil()) if gil else True,
        # The cores this run may use (its slot), not the host's: what a speedup can reach.
        # PyPy 7.3 (Python 3.9) has no sched_getaffinity: the host's count is the best it knows.
        "cores": _usable_cores(),
        "switch_interval": sys.getswitchinterval(),
        "executable": sys.executable,
    }


if not _SERIES:
    _emit(_environment())
