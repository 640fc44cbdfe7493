"""경쟁 상태: 여러 프로세스가 같은 카운터를 더할 때 사라지는 업데이트.

`v.value += 1`과 Manager의 `d['count'] += 1`은 '읽기'와 '쓰기'가 따로 일어납니다. 그 사이에
다른 프로세스가 끼어들면 업데이트 하나가 사라집니다. 경쟁 상태는 가끔만 드러나므로 같은 조건을
여러 번 반복해, 잃어버린 업데이트 수를 한 번의 숫자가 아니라 분포로 봅니다.
"""
import multiprocessing as mp
from functools import partial
from operator import attrgetter, itemgetter

import gil_lab as lab

SCENARIO = lab.param("scenario")          # "barrier": 동시 출발, "notes": 노트의 예제 그대로
REPETITIONS = lab.param("repetitions")    # 같은 조건을 반복할 횟수
if SCENARIO == "notes":
    WORKERS, INCREMENTS = 2, 1000                    # 노트의 Value 예제: 2개 × 1000번
    MANAGER_WORKERS, MANAGER_INCREMENTS = 5, 1       # 노트의 Manager 예제: 5개 × 1번
else:
    WORKERS = MANAGER_WORKERS = lab.param("workers")
    INCREMENTS = lab.param("increments")
    MANAGER_INCREMENTS = lab.param("manager_increments")  # Manager는 느려서 따로 정합니다


def add_value(v, n, lock):
    for _ in range(n):
        v.value += 1              # 읽기(락) → 더하기 → 쓰기(락): 읽기와 쓰기 사이에 틈이 있음


def add_value_locked(v, n, lock):
    for _ in range(n):
        with v.get_lock():        # 읽기-더하기-쓰기 전체를 Value의 락 하나로 감쌈
            v.value += 1


def add_dict(d, n, lock):
    for _ in range(n):
        d["count"] += 1           # 프록시 호출 두 번: __getitem__ 다음 __setitem__


def add_dict_locked(d, n, lock):
    for _ in range(n):
        with lock:                # manager.Lock()으로 두 호출을 하나로 묶음
            d["count"] += 1


def worker(barrier, add, counter, n, lock):
    if barrier is not None:
        barrier.wait()            # 모두 준비될 때까지 기다렸다가 한꺼번에 출발
    add(counter, n, lock)


def run_once(ctx, counter, read, add, workers, n, lock=None):
    """작업자 `workers`명이 카운터를 n번씩 더하고, 잃어버린 업데이트 수를 기록합니다."""
    barrier = ctx.Barrier(workers) if SCENARIO == "barrier" else None
    processes = [ctx.Process(target=worker, args=(barrier, add, counter, n, lock))
                 for _ in range(workers)]
    for p in processes:          # 노트처럼 차례로 start (barrier가 있으면 동시에 출발)
        p.start()
    for p in processes:
        p.join()
    expected, final = workers * n, read(counter)
    lab.metric("expected", expected)
    lab.metric("final", final)
    lab.metric("lost_updates", expected - final)


if __name__ == "__main__":
    ctx = mp.get_context("fork")          # 시작 방식을 명시합니다 (3.14부터 Linux 기본값이 바뀜)
    print(f"Value: {WORKERS}개 × {INCREMENTS:,}번, "
          f"Manager: {MANAGER_WORKERS}개 × {MANAGER_INCREMENTS:,}번, {REPETITIONS}번 반복")
    with ctx.Manager() as manager:         # Manager 서버 프로세스는 한 번만 띄워 재사용
        manager_lock = manager.Lock()
        new_value = partial(ctx.Value, "i", 0)       # 락이 들어 있는 공유 숫자 (C int)
        new_raw = partial(ctx.RawValue, "i", 0)      # 락이 전혀 없는 공유 숫자
        new_dict = partial(manager.dict, count=0)    # Manager 서버에 있는 dict의 프록시
        value, item = attrgetter("value"), itemgetter("count")   # 카운터를 읽는 방법
        value_size, dict_size = (WORKERS, INCREMENTS), (MANAGER_WORKERS, MANAGER_INCREMENTS)
        kinds = {  # 이름: 새 카운터, 읽는 방법, 더하는 함수, (작업자 수, 작업자당 횟수), 락
            "unlocked": (new_value, value, add_value, value_size, None),
            "locked": (new_value, value, add_value_locked, value_size, None),
            "rawvalue": (new_raw, value, add_value, value_size, None),
            "manager_unlocked": (new_dict, item, add_dict, dict_size, None),
            "manager_locked": (new_dict, item, add_dict_locked, dict_size, manager_lock),
        }
        for r in range(REPETITIONS):       # 종류를 번갈아 반복: 기계 상태의 변화가 모두에 고르게
            for name, (new, read, add, (workers, n), lock) in kinds.items():
                with lab.variant(name, r):
                    run_once(ctx, new(), read, add, workers, n, lock)
            print(f"반복 {r + 1}/{REPETITIONS} 완료")
