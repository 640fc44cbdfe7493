"""타임라인: 누가 언제 실행되는가.

작업자마다 순수 Python 계산을 짧은 조각(약 60µs)으로 나누어 실행하고, 조각마다 시작·끝 시각을
기록합니다. 스레드들은 GIL 때문에 스위치 간격마다 번갈아 실행되고, 프로세스들은 각자의 GIL로
겹쳐 실행됩니다. 겹친 비율과, 한 번 GIL을 잡고 연속으로 실행한 블록의 길이를 계산합니다.
"""
import sys

import gil_lab as lab

WORKERS = lab.param("workers")                  # 작업자 수
ITERATIONS = lab.param("iterations")            # 작업자 한 명이 도는 반복 횟수
SWITCH = lab.param("switch_ms") / 1000          # 스위치 간격 (초)
TRIM_NS = 25_000_000                            # 처음 25ms는 버림: 쉬던 코어가 깨어나는 시간


def cpu_task(worker):
    for n in worker.chunks(ITERATIONS, size=10_000):  # 1만 번 ≈ 60µs마다 한 조각
        for _ in range(n):
            pass


def trim(records):
    # 모든 작업자의 첫 조각 + 25ms 이전은 잘라 냅니다 (타임라인에서도).
    cut = min((r["spans"][0][0] for r in records if r["spans"]), default=0) + TRIM_NS
    for r in records:
        r["spans"] = [[max(a, cut), b] for a, b in r["spans"] if b > cut]


def overlap_share(records):
    # 시간 축을 쓸어 가며: 둘 이상이 동시에 실행된 시간 ÷ 누군가 실행된 시간.
    edges = sorted((t, d) for r in records for a, b in r["spans"] for t, d in ((a, 1), (b, -1)))
    running, last, busy, together = 0, 0, 0, 0
    for t, d in edges:
        busy += (t - last) if running >= 1 else 0
        together += (t - last) if running >= 2 else 0
        running, last = running + d, t
    return together / busy if busy else 0.0


def mean_block_ms(records):
    # 블록 = GIL을 잡고 끊기지 않고 실행한 구간. 잘린 첫 블록과 일을 마친 마지막 블록은 뺍니다.
    blocks = [b - a for r in records for a, b in r["spans"][1:-1]]
    return sum(blocks) / len(blocks) / 1e6 if blocks else 0.0


if __name__ == "__main__":
    sys.setswitchinterval(SWITCH)
    print(f"작업자 {WORKERS}명 × {ITERATIONS:,}번 반복, 스위치 간격 {SWITCH * 1000:g}ms")
    for r in lab.rounds():
        for mode in ["threads", "processes"]:
            with lab.variant(mode, r):
                records = lab.run_workers(cpu_task, WORKERS, mode, start_method="fork")
                trim(records)
                lab.metric("switch_ms", SWITCH * 1000)
                lab.metric("overlap_pct", round(100 * overlap_share(records), 1))
                if mode == "threads":  # 프로세스는 GIL을 나눠 쓰지 않으니 블록 길이는 스레드만
                    lab.metric("mean_block_ms", round(mean_block_ms(records), 2))
    print("측정 완료")
