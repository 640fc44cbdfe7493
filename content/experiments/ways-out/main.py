"""다른 방법들: 같은 순수 Python 함수를 CPython, Numba, PyPy로 실행합니다.

- CPython: 이 파일을 실행하는 보통의 인터프리터입니다 (반복 한 번의 비교 기준).
- Numba: 같은 함수를 기계어로 컴파일합니다. nogil=True면 실행 중 GIL을 풀어 스레드가 동시에 돕니다.
- PyPy: JIT 컴파일러가 있는 다른 Python 구현체입니다.
Numba와 PyPy는 experiment.toml의 runtimes에 있고, 이 파일을 그 런타임에서 한 번씩 더 실행합니다
(lab.on_other_runtimes). 속도 향상은 언제나 같은 런타임의 순차 실행(numba/sequential,
pypy/sequential)과 비교합니다. 이 서버에 없는 런타임은 건너뛰고 있는 것만 실행합니다.
Numba와 PyPy는 반복 한 번이 수십 배 빨라서 반복 횟수를 따로 정합니다(fast_iterations).
"""
import glob
import os
import sys
import time

import gil_lab as lab

WORKERS = lab.param("workers")                  # 스레드·프로세스 수
ITERATIONS = lab.param("iterations")            # CPython 작업자당 반복 횟수
FAST_ITERATIONS = lab.param("fast_iterations")  # Numba·PyPy 작업자당 반복 횟수
RUNTIMES = lab.param("runtimes")                # all, numba, pypy


def sum_squares(n):
    total = 0.0
    for i in range(n):
        total += i * i
    return total


def loop(worker, iterations, function, chunk):
    # worker.chunks()는 일을 조각내 조각마다 언제 실행됐는지 기록합니다(타임라인용)
    for n in worker.chunks(iterations, size=chunk):
        function(n)


def measure(name, r, mode, iterations, function, chunk):
    """한 variant를 재고, 반복 한 번에 걸린 시간을 기록합니다."""
    with lab.variant(name, r):
        t0 = time.perf_counter_ns()
        lab.run_workers(loop, WORKERS, mode, args=(iterations, function, chunk),
                        start_method="fork")
        wall = time.perf_counter_ns() - t0
        lab.metric("ns_per_iteration", round(wall / (WORKERS * iterations), 3))


def load_blas_without_etc():
    # 샌드박스에는 /usr만 있고 /etc가 없습니다. Debian은 NumPy(Numba가 씀)의 BLAS를
    # /etc/alternatives를 거쳐 가리키므로 그 링크가 끊깁니다. 실제 파일을 먼저 불러 두면
    # 같은 이름(soname)의 라이브러리로 쓰입니다.
    import ctypes
    for name in ("libopenblas.so.0", "libblas.so.3", "liblapack.so.3"):
        if any(os.path.exists(link) for link in glob.glob(f"/usr/lib/*/{name}")):
            continue                              # 링크가 살아 있으면 할 일이 없습니다
        for path in sorted(glob.glob(f"/usr/lib/*/*/{name}"))[:1]:
            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)


def cpython_main():
    print(f"작업자 {WORKERS}명, CPython {ITERATIONS:,}번 / Numba·PyPy {FAST_ITERATIONS:,}번씩")
    for r in lab.rounds():
        measure("sequential", r, "sequential", ITERATIONS, sum_squares, 5_000)
    keys = {"all": ["numba", "pypy"], "numba": ["numba"], "pypy": ["pypy"]}[RUNTIMES]
    lab.on_other_runtimes(keys)                   # 같은 파일을 Numba와 PyPy로 다시 실행합니다


def numba_main():
    load_blas_without_etc()
    try:
        from numba import njit                    # cache=True는 쓰지 않습니다 (/usr는 읽기 전용)
    except ImportError:
        print("이 서버에는 Numba가 없어 건너뜁니다 (Debian: apt-get install python3-numba).")
        return
    releases_gil = njit(nogil=True)(sum_squares)  # 실행하는 동안 GIL을 푸는 기계어
    holds_gil = njit(sum_squares)                 # 같은 기계어지만 GIL을 쥔 채 실행
    releases_gil(10)                              # 워밍업: 첫 호출 때 컴파일(수백 ms)하므로
    holds_gil(10)                                 # 재기 전에 작은 입력으로 미리 불러 둡니다
    chunk = 10_000_000                            # 조각 하나 ≈ 10ms
    for r in lab.rounds():
        measure("sequential", r, "sequential", FAST_ITERATIONS, releases_gil, chunk)
        measure("nogil_threads", r, "threads", FAST_ITERATIONS, releases_gil, chunk)
        measure("gil_threads", r, "threads", FAST_ITERATIONS, holds_gil, chunk)


def pypy_main():
    sum_squares(1_000_000)                        # 워밍업: JIT가 반복문을 기계어로 바꿀 때까지
    sum_squares(1_000_000)                        # 미리 돌려 둡니다
    chunk = 1_000_000                             # 조각 하나 ≈ 1ms (기록 비용을 작게)
    for r in lab.rounds():
        measure("sequential", r, "sequential", FAST_ITERATIONS, sum_squares, chunk)
        measure("threads", r, "threads", FAST_ITERATIONS, sum_squares, chunk)
        measure("processes", r, "processes", FAST_ITERATIONS, sum_squares, chunk)


if __name__ == "__main__":
    {"": cpython_main, "numba": numba_main, "pypy": pypy_main}[lab.series()]()
