"""CPU 작업: 순차 실행 vs 스레드 vs 프로세스.

순수 Python 반복문은 실행되는 내내 GIL을 쥐고 있어야 합니다. 같은 일을 작업자 여러 명에게
나눠 주고 순차, 스레드, 프로세스로 실행해 걸린 시간과 CPU 사용량을 비교합니다.
"""
import gil_lab as lab

WORKERS = lab.param("workers")            # 작업자 수
ITERATIONS = lab.param("iterations")      # 작업자 한 명이 도는 반복 횟수
START_METHOD = lab.param("start_method")  # fork, forkserver, spawn


def cpu_task(worker):
    # worker.chunks()는 일을 잘게 나눠, 조각마다 언제 실행됐는지 기록합니다(타임라인용).
    for n in worker.chunks(ITERATIONS):
        for _ in range(n):
            pass


if __name__ == "__main__":
    print(f"작업자 {WORKERS}명 × {ITERATIONS:,}번 반복")
    lab.compare(cpu_task, workers=WORKERS,
                variants=["sequential", "threads", "processes"],
                start_method=START_METHOD)
    print("측정 완료")
