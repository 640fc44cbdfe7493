"""GIL을 끈 CPython: 같은 CPU 작업을 세 런타임에서 순차와 스레드로.

먼저 이 서버의 CPython(GIL 있음)에서 재고, 이어서 자유 스레드(free-threaded) 빌드에서 GIL을
켠 채(-X gil=1)와 끈 채(-X gil=0)로 같은 프로그램을 다시 실행합니다. 순수 Python 반복문은
GIL이 있으면 스레드가 몇 개든 한 번에 하나만 실행되고, GIL이 없으면 코어마다 동시에 실행됩니다.
"""
import sys

import gil_lab as lab

WORKERS = lab.param("workers")            # 작업자(스레드) 수
ITERATIONS = lab.param("iterations")      # 작업자 한 명이 도는 반복 횟수


def cpu_task(worker):
    # worker.chunks()는 일을 잘게 나눠, 조각마다 언제 실행됐는지 기록합니다(타임라인용).
    for n in worker.chunks(ITERATIONS):
        for _ in range(n):
            pass


if __name__ == "__main__":
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()   # 3.12 이하에는 이 함수가 없습니다
    print(f"Python {sys.version.split()[0]}, GIL {'켜짐' if gil else '꺼짐'}: "
          f"작업자 {WORKERS}명 × {ITERATIONS:,}번 반복")
    lab.compare(cpu_task, workers=WORKERS, variants=["sequential", "threads"])
    lab.on_other_runtimes()   # 같은 프로그램을 experiment.toml의 다른 런타임에서 다시 실행합니다
