"""GIL을 푸는 C 코드: hashlib·zlib 대 순수 Python 반복문.

hashlib은 2047바이트보다 큰 데이터를 처리하는 동안, zlib은 압축하는 동안 GIL을 풉니다.
그동안 다른 스레드는 Python 코드를 실행할 수 있고, 두 스레드의 C 코드는 두 코어에서 동시에
돌아갑니다. 같은 양의 데이터를 조각 크기를 바꿔 가며 순차, 스레드, 프로세스로 처리해 봅니다.
"""
import hashlib
import random
import time
import zlib

import gil_lab as lab

WORKERS = lab.param("workers")           # 작업자 수
OPERATION = lab.param("operation")       # sha256, zlib, python
CHUNK = int(lab.param("chunk_bytes"))    # 한 번에 처리하는 조각의 크기 (바이트)


def python_checksum(data):
    # 비교용 순수 Python 반복문: 64바이트마다 한 바이트를 섞습니다. 실행 내내 GIL이 필요합니다.
    h = 0
    for b in data[::64]:
        h = (h * 31 + b) & 0xFFFFFFFF
    return h


# 연산마다 속도가 크게 달라서, 1MiB 조각의 순차 실행이 비슷한 시간(≈0.3초)에 끝나도록 작업자당
# 데이터 양(MiB)을 따로 정했습니다.
OPERATIONS = {
    "sha256": (lambda data: hashlib.sha256(data).digest(), 256),
    "zlib": (lambda data: zlib.compress(data, 1), 8),
    "python": (python_checksum, 256),
}
FUNCTION, MIB = OPERATIONS[OPERATION]
COUNT = MIB * 1024 * 1024 // CHUNK       # 작업자 한 명이 처리할 조각 수


def work(worker):
    data = random.Random(worker.id).randbytes(CHUNK)   # 압축이 너무 쉽지 않도록 무작위 바이트
    # 조각 여러 개(약 64KiB)를 묶어 타임라인의 한 칸으로 기록합니다.
    for n in worker.chunks(COUNT, size=max(1, 65536 // CHUNK)):
        for _ in range(n):
            FUNCTION(data)


if __name__ == "__main__":
    print(f"{OPERATION}: 작업자 {WORKERS}명 × {MIB}MiB, 조각 {CHUNK:,}바이트 × {COUNT:,}개")
    for r in lab.rounds():
        for mode in ["sequential", "threads", "processes"]:
            with lab.variant(mode, r):
                start = time.perf_counter()
                lab.run_workers(work, WORKERS, mode, start_method="fork")
                seconds = time.perf_counter() - start
                lab.metric("mib_per_s", round(WORKERS * MIB / seconds, 1))
    print("측정 완료")
