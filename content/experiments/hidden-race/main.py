"""GIL이 가려 주던 경쟁 상태: 스레드 여러 개의 counter += 1.

counter += 1은 '읽고, 더하고, 쓰는' 세 단계입니다. GIL이 있는 CPython 3.10 이후에서는 스레드
전환이 반복문의 끝이나 함수 호출에서만 일어나서, 이 세 단계 사이에 끼어드는 일이 (거의) 없습니다.
GIL을 끄면 두 스레드가 정말로 동시에 읽고 써서 서로의 더하기를 덮어씁니다. 락을 걸면 어느 런타임
에서든 하나도 잃지 않습니다.
"""
import sys
import threading

import gil_lab as lab

THREADS = lab.param("threads")            # 동시에 더하는 스레드 수
INCREMENTS = lab.param("increments")      # 스레드당 더하기 횟수
REPETITIONS = lab.param("repetitions")    # 같은 조건을 반복할 횟수

counter = 0


def add_unlocked(n, barrier, lock):
    global counter
    barrier.wait()                        # 모든 스레드가 동시에 출발합니다
    for _ in range(n):
        counter += 1


def add_locked(n, barrier, lock):
    global counter
    barrier.wait()
    for _ in range(n):
        with lock:
            counter += 1


def run_once(add, lock):
    global counter
    counter = 0
    barrier = threading.Barrier(THREADS)
    threads = [threading.Thread(target=add, args=(INCREMENTS, barrier, lock))
               for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = THREADS * INCREMENTS
    lab.metric("expected", expected)
    lab.metric("final", counter)
    lab.metric("lost_updates", expected - counter)


if __name__ == "__main__":
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()   # 3.12 이하에는 이 함수가 없습니다
    print(f"Python {sys.version.split()[0]}, GIL {'켜짐' if gil else '꺼짐'}: "
          f"스레드 {THREADS}개 × {INCREMENTS:,}번, {REPETITIONS}번 반복")
    lock = threading.Lock()
    for r in range(REPETITIONS):          # 두 종류를 번갈아: 기계 상태의 변화가 둘에 고르게
        with lab.variant("unlocked", r):
            run_once(add_unlocked, lock)
        with lab.variant("locked", r):
            run_once(add_locked, lock)
    lab.on_other_runtimes()   # 같은 프로그램을 experiment.toml의 다른 런타임에서 다시 실행합니다
