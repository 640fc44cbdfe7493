"""gil_timeline: who holds the GIL and who waits for it, inside this very process.

Drives the native sampler (gil_sampler.c, built by .ci/install-gil-sampler under /usr/local/lib,
which the sandbox sees read-only): it finds the GIL's `locked` flag and last holder in this
process's memory, checks them against what it knows for certain (the calling thread holds the
GIL, so `locked` is 1 and the holder is its own PyThreadState), and only then starts sampling.
Where it cannot be sure, it records nothing: the run shows its chunk timeline as before.

- CPython 3.13+: the offsets CPython publishes for debuggers in `_PyRuntime.debug_offsets`.
- CPython 3.11 and 3.12: offsets taken from that build's own headers at install time, in
  `/usr/local/lib/gil-lab/offsets-<version>.json`.
- Where the GIL is disabled (the free-threaded build, `-X gil=0`): no holder, only whether each
  thread runs or sleeps, so the timeline shows threads running side by side.
"""

import ctypes
import json
import os
import sys
import threading
import time

_HOME = "/usr/local/lib/gil-lab"
_LIBRARY = os.path.join(_HOME, "libgilsampler.so")
_CAPACITY = 1 << 16
_MAX_SPANS = 2000          # per kind, as the server keeps them: more are joined (see _thin)
_NOBODY = 0xFFFF            # no holder; 0xFFFE (a thread not registered) reads as lane -2
_STATES = {1: "holds", 2: "runs", 3: "waits", 4: "sleeps"}
# Where _Py_DebugOffsets keeps the interpreter state's GIL offsets, per minor version: the struct
# is stable within one minor version only (pycore_runtime.h), so an unknown version gets nothing.
#   3.13: cookie, version, free_threaded, runtime_state{3}, interpreter_state{size, id, next,
#   threads_head, gc, imports_modules, sysdict, builtins, ceval_gil, gil_runtime_state,
#   gil_runtime_state_enabled, gil_runtime_state_locked, gil_runtime_state_holder}
# The GIL's switch_number follows `locked` (an int, padded) in 3.13's struct _gil_runtime_state.
_DEBUG_OFFSETS = {(3, 13): {"locked": 136, "holder": 144, "switch_number_after_locked": 8}}
# The GIL's structure from its `locked` field: interval, last_holder and locked before it, then
# switch_number, two condition variables and two mutexes (glibc: 48 and 40 bytes each).
_GIL_BEFORE, _GIL_AFTER = 32, 8 + 8 + 2 * (48 + 40)

_lib = None
_why_not = None


def _u64(address):
    return ctypes.c_uint64.from_address(address).value


def _gil_enabled():
    gil = getattr(sys, "_is_gil_enabled", None)
    return bool(gil()) if gil else True


def _api(name, restype=ctypes.c_void_p):
    function = getattr(ctypes.pythonapi, name)
    function.restype = restype
    function.argtypes = []
    return function


def _gil_fields():
    """(locked, holder, switch_number) addresses of this interpreter's GIL (the last 0 where
    unknown), or a reason why not."""
    runtime = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
    interpreter = _api("PyInterpreterState_Get")()
    version = sys.version_info[:2]
    if version in _DEBUG_OFFSETS:
        if ctypes.string_at(runtime, 8) != b"xdebugpy" or _u64(runtime + 8) != sys.hexversion:
            return "이 런타임의 디버그 오프셋이 예상과 다릅니다"
        where = _DEBUG_OFFSETS[version]
        locked = interpreter + _u64(runtime + where["locked"])
        return locked, interpreter + _u64(runtime + where["holder"]), locked + where["switch_number_after_locked"]
    path = os.path.join(_HOME, f"offsets-{sys.version.split()[0]}.json")
    try:
        with open(path, encoding="utf-8") as f:
            offsets = json.load(f)
    except (OSError, ValueError):
        return f"{sys.implementation.name} {sys.version.split()[0]}의 GIL 위치를 모릅니다"
    base = runtime if offsets["base"] == "runtime" else interpreter
    switch_number = base + offsets["switch_number"] if "switch_number" in offsets else 0
    return base + offsets["locked"], base + offsets["holder"], switch_number


def _verified():
    """The GIL's field addresses, checked: the calling thread holds the GIL right now."""
    if not _gil_enabled():
        return 0, 0, 0
    if sys.implementation.name != "cpython":
        return f"{sys.implementation.name}에는 CPython의 GIL 구조가 없습니다"
    fields = _gil_fields()
    if isinstance(fields, str):
        return fields
    locked, holder, _ = fields
    tstate = _api("PyThreadState_Get")()
    if ctypes.c_int.from_address(locked).value != 1 or ctypes.c_void_p.from_address(holder).value != tstate:
        return "GIL 위치를 확인하지 못했습니다 (값이 맞지 않음)"
    return fields


def _load():
    global _lib, _why_not
    if _lib is not None or _why_not is not None:
        return _lib
    if not os.path.exists(_LIBRARY):
        _why_not = "GIL 기록기가 이 서버에 설치되어 있지 않습니다"
        return None
    try:
        lib = ctypes.CDLL(_LIBRARY)
    except OSError as error:
        _why_not = f"GIL 기록기를 불러오지 못했습니다: {error}"
        return None
    u64, ptr = ctypes.c_uint64, ctypes.c_size_t
    lib.gs_start.argtypes = [ptr, ptr, ptr, ptr, ptr, u64]
    lib.gs_switches.restype = ctypes.c_int64
    lib.gs_register.argtypes = [ptr]
    lib.gs_events.argtypes = [ctypes.POINTER(u64), ctypes.c_int]
    lib.gs_period_ns.restype = u64
    _lib = lib
    return lib


class Recording:
    """One process's sampling, from start() to stop(); lanes are the registered threads' names."""

    def __init__(self, period_ns):
        self.lanes = {}    # the sampler's thread index → lane
        self.active = False
        lib = _load()
        if lib is None:
            return
        fields = _verified()
        if isinstance(fields, str):
            global _why_not
            _why_not = fields
            return
        locked, holder, switch_number = fields
        low, high = (locked - _GIL_BEFORE, locked + _GIL_AFTER) if locked else (0, 0)
        self.active = lib.gs_start(locked, holder, switch_number, low, high, period_ns) == 0

    def register(self, lane):
        """Watches the calling thread as `lane`: a worker's id, -1 for the main thread, 1000 and
        up for threads the program started itself."""
        if self.active:
            # The call releases the GIL: threads registering at once may come back in any
            # order, so the index, not the order, names the lane.
            index = _lib.gs_register(_api("PyThreadState_Get")())
            if index >= 0:
                self.lanes[index] = lane

    def watch_new_threads(self):
        """Registers every thread `threading` starts from now on, as it starts (a profile hook
        that removes itself at once), so a program's own threads get lanes too."""
        if not self.active:
            return
        def hook(frame, event, arg):
            sys.setprofile(None)
            if self.active:
                self._own += 1
                self.register(999 + self._own)
        self._own = 0
        threading.setprofile(hook)

    def stop(self, t0):
        """Stops sampling; the spans, in ns since `t0`, as [lane, start, end] per kind."""
        if not self.active:
            return None
        self.active = False
        threading.setprofile(None)
        end = time.perf_counter_ns()
        n = _lib.gs_stop()
        buffer = (ctypes.c_uint64 * (4 * min(n, _CAPACITY)))()
        n = _lib.gs_events(buffer, n)
        timeline = {"gil": _gil_enabled(), "period_ns": _lib.gs_period_ns(),
                    "truncated": bool(_lib.gs_truncated()), "holds": [], "waits": [],
                    "switches": _lib.gs_switches(),
                    "sleeps": [], "runs": []}
        holder, since = None, None
        states = {}
        for i in range(n):
            t, kind, thread, value = buffer[4 * i: 4 * i + 4]
            t -= t0
            if kind == 0:
                if holder is not None:
                    timeline["holds"].append([holder, since, t])
                holder = _lane(self.lanes, value)
                since = t
            else:
                lane = _lane(self.lanes, thread)
                previous = states.get(lane)
                if previous and previous[0] in ("waits", "sleeps", "runs"):
                    timeline[previous[0]].append([lane, previous[1], t])
                states[lane] = (_STATES.get(value), t)
        if holder is not None:
            timeline["holds"].append([holder, since, end - t0])
        for lane, (state, since) in states.items():
            if state in ("waits", "sleeps", "runs"):
                timeline[state].append([lane, since, end - t0])
        for kind in ("holds", "waits", "sleeps", "runs"):
            if len(timeline[kind]) > _MAX_SPANS:
                timeline[kind] = _thin(timeline[kind])
                timeline["truncated"] = True
        return timeline


def _thin(spans):
    """At most _MAX_SPANS spans, by joining each lane's spans closer than a gap that doubles
    until they fit: what a drawing a few hundred pixels wide could not tell apart anyway."""
    gap = 1_000
    while len(spans) > _MAX_SPANS:
        joined = []
        last = {}
        for lane, start, end in sorted(spans, key=lambda s: s[1]):
            at = last.get(lane)
            if at is not None and start - joined[at][2] < gap:
                joined[at][2] = max(joined[at][2], end)
            else:
                last[lane] = len(joined)
                joined.append([lane, start, end])
        spans, gap = joined, gap * 2
    return spans


def _lane(lanes, index):
    """A sampler's thread index as its lane; None for no holder, -2 for an unregistered thread."""
    if index == _NOBODY:
        return None
    return lanes.get(index, -2)


def why_not():
    """Why no GIL timeline was recorded here, in Korean; None when one was."""
    return _why_not
