"""작업 크기와 chunksize: 아주 작은 작업 수만 개를 프로세스 풀에 맡기면?

풀에 작업 하나를 맡길 때마다 함수와 인자를 피클링해 보내고, 결과를 피클링해 돌려받습니다.
작업이 몇 µs짜리라면 이 왕복이 작업보다 훨씬 비쌉니다. chunksize는 한 번의 왕복에 묶어 보내는
작업 수입니다. 두 가지 풀로 비교합니다.
- concurrent.futures.ProcessPoolExecutor (map의 chunksize 기본값이 1)
- multiprocessing.Pool (map의 chunksize 기본값은 자동 계산이라, 여기서는 직접 정해 줍니다)
풀을 만들고 닫는 시간도 재는 시간에 들어갑니다. 풀을 쓰는 실제 비용이기 때문입니다.
"""
import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor

import gil_lab as lab

TASKS = lab.param("tasks")          # 작업 수
TASK_SIZE = lab.param("task_size")  # 작업 하나가 도는 반복 횟수 (50이면 약 1µs)
CHUNKSIZE = lab.param("chunksize")  # 묶어 보낼 때의 chunksize
WORKERS = lab.param("workers")      # 풀의 프로세스 수
ctx = mp.get_context("fork")        # 시작 방식을 명시합니다


def tiny(x):
    """아주 작은 작업: 모듈 최상위의 def라서 피클링해 보낼 수 있습니다."""
    total = 0
    for i in range(TASK_SIZE):
        total += i * x
    return total


def sequential():
    return [tiny(x) for x in range(TASKS)]


def executor(chunksize):
    with ProcessPoolExecutor(WORKERS, mp_context=ctx) as ex:
        return list(ex.map(tiny, range(TASKS), chunksize=chunksize))


def pool(chunksize):
    with ctx.Pool(WORKERS) as p:
        return p.map(tiny, range(TASKS), chunksize=chunksize)


if __name__ == "__main__":
    print(f"작업 {TASKS:,}개 (작업당 반복 {TASK_SIZE:,}번), 프로세스 {WORKERS}개, "
          f"묶음 크기 chunksize={CHUNKSIZE}")
    variants = {
        "sequential": sequential,
        "executor_chunksize_1": lambda: executor(1),
        "executor_chunked": lambda: executor(CHUNKSIZE),
        "pool_chunksize_1": lambda: pool(1),
        "pool_chunked": lambda: pool(CHUNKSIZE),
    }
    expected = sequential()
    for r in lab.rounds():       # 번갈아 반복: 기계 상태의 변화가 모두에 고르게
        for name, run in variants.items():
            with lab.variant(name, r):
                t0 = time.perf_counter()
                results = run()
                seconds = time.perf_counter() - t0
                if name == "sequential":
                    sequential_s = seconds   # 같은 반복 안의 순차 실행과 비교합니다
                lab.metric("us_per_task", round(seconds / TASKS * 1e6, 2))
                lab.metric("times_sequential", round(seconds / sequential_s, 1))
            assert results == expected   # 결과가 같아야 비교가 의미 있습니다
        print(f"반복 {r + 1}회 완료 (최대 {lab.repeats()}회)")
