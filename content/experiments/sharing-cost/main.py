"""공유 방식별 연산 비용: 같은 연산을 여러 방식으로 반복해, 한 번에 드는 시간(µs)을 잽니다.

비교 기준은 한 프로세스 안의 지역 변수입니다. 공유 메모리(RawValue, Value, Array)는 락과 공유
메모리 접근이, Pipe와 Queue는 피클링과 프로세스 사이 복사가, Manager는 서버 프로세스와의 왕복이
비용입니다. 각 함수는 준비를 마친 뒤 반복문만 재서 걸린 초를 돌려줍니다.
재는 것이 방식마다 다릅니다. Pipe와 Queue는 자식이 쉬지 않고 보내는 메시지를 부모가 받기만 하는
한 방향 처리량이고(보내는 쪽의 일은 다른 코어에서 겹쳐 일어납니다), Manager는 요청마다 답을
기다리는 왕복입니다.
"""
import multiprocessing as mp
import time

import gil_lab as lab

OPERATIONS = lab.param("operations")         # 방식마다 반복할 연산 수
PAYLOAD = bytes(lab.param("payload_bytes"))  # Pipe와 Queue로 보낼 메시지
ctx = mp.get_context("fork")                 # 시작 방식을 명시합니다


def local_int(n):
    x, t0 = 0, time.perf_counter()
    for _ in range(n):
        x += 1                       # 평범한 지역 변수: 비교 기준
    return time.perf_counter() - t0


def raw_value(n):
    v, t0 = ctx.RawValue("i", 0), time.perf_counter()
    for _ in range(n):
        v.value += 1                 # 락이 전혀 없는 공유 메모리
    return time.perf_counter() - t0


def locked_value(n):
    v, t0 = ctx.Value("i", 0), time.perf_counter()
    for _ in range(n):
        with v.get_lock():           # 안전한 방법: 읽기-더하기-쓰기 전체를 락으로 감쌈
            v.value += 1
    return time.perf_counter() - t0


def array_element(n):
    arr, t0 = ctx.Array("i", 64), time.perf_counter()
    for i in range(n):
        arr[i % 64] = i              # 원소 하나를 쓸 때마다 Array의 락을 잡습니다
    return time.perf_counter() - t0


def send_all(send, n):
    for _ in range(n + 1):           # 자식 프로세스: 첫 메시지는 '시작했다'는 신호
        send(PAYLOAD)


def messages(n, use_queue):
    if use_queue:
        queue = ctx.Queue()
        send, receive = queue.put, queue.get
    else:
        receiver, sender = ctx.Pipe(duplex=False)  # 받는 끝, 보내는 끝
        send, receive = sender.send, receiver.recv
    child = ctx.Process(target=send_all, args=(send, n))
    child.start()
    receive()                        # 첫 메시지를 받은 뒤부터 잽니다 (프로세스 시작 비용 제외)
    t0 = time.perf_counter()
    for _ in range(n):
        receive()                    # 피클링 → 파이프로 복사 → 언피클링
    elapsed = time.perf_counter() - t0
    child.join()                     # 다 받은 다음에 join (먼저 join하면 교착 상태 위험)
    return elapsed


def manager_set(d, n):
    t0 = time.perf_counter()
    for i in range(n):
        d["count"] = i               # 서버 왕복 한 번: __setitem__
    return time.perf_counter() - t0


def manager_increment(d, n):
    t0 = time.perf_counter()
    for _ in range(n):
        d["count"] += 1              # 서버 왕복 두 번: __getitem__, __setitem__
    return time.perf_counter() - t0


if __name__ == "__main__":
    n = OPERATIONS
    print(f"방식마다 연산 {n:,}번, 메시지 {len(PAYLOAD):,}바이트")
    with ctx.Manager() as manager:   # Manager 서버 프로세스는 한 번만 띄워 재사용
        kinds = {
            # 지역 변수는 너무 빨라 1ms도 안 걸리므로, 100배 더 돌려 평균을 냅니다
            "local_int": lambda: local_int(100 * n) / 100,
            "rawvalue": lambda: raw_value(n),
            "locked_value": lambda: locked_value(n),
            "array_element": lambda: array_element(n),
            "pipe": lambda: messages(n, use_queue=False),
            "queue": lambda: messages(n, use_queue=True),
            "manager_set": lambda: manager_set(manager.dict(count=0), n),
            "manager_increment": lambda: manager_increment(manager.dict(count=0), n),
        }
        for r in lab.rounds():
            for name, measure in kinds.items():
                with lab.variant(name, r):
                    us = measure() / n * 1e6
                    if name == "local_int":
                        local_us = us        # 같은 반복 안의 지역 변수 값과 비교합니다
                    lab.metric("us_per_op", round(us, 4))
                    lab.metric("times_local", round(us / local_us, 1))
            print(f"반복 {r + 1}회 완료 (최대 {lab.repeats()}회)")
