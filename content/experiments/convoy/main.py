"""convoy 효과: CPU 스레드 옆에서 1ms 대기는 얼마나 걸릴까?

메인 스레드가 짧은 I/O(1ms sleep 또는 로컬 소켓 에코)를 반복하며 한 번 한 번의 시간을 잽니다.
옆에서 순수 Python 계산을 하는 스레드가 돌면, I/O가 끝난 메인 스레드는 GIL을 되찾을 때까지
기다립니다. 계산 스레드가 하나면 최대 한 스위치 간격(기본 5ms)이지만, 여럿이면 GIL에 대기 줄이
없어 여러 간격을 기다리기도 합니다. 계산을 다른 프로세스로 옮기면 그 기다림이 사라집니다.
"""
import multiprocessing
import socket
import sys
import threading
import time

import gil_lab as lab

CPU_WORKERS = lab.param("cpu_workers")             # 옆에서 계산하는 스레드/프로세스 수
SAMPLES = lab.param("samples")                     # 지연 시간을 잴 횟수
PROBE = lab.param("probe")                         # "sleep" 또는 "echo"
SHORT_SWITCH = lab.param("switch_ms") / 1000       # short_switch 변형의 스위치 간격 (초)
NETWORK_DELAY = lab.param("echo_delay_ms") / 1000  # 에코 서버가 답하기 전 "네트워크" 지연 (초)
DEFAULT_SWITCH = sys.getswitchinterval()           # 기본 5ms
client = None                                      # echo일 때 서버와 이어진 소켓


def spin(stop):
    # CPU 작업: stop이 켜질 때까지 순수 Python 반복문을 돕니다 (GIL을 계속 원함).
    while not stop.is_set():
        for _ in range(10_000):
            pass


def echo_server(conn):
    # 에코 서버 (별도 프로세스 = 다른 기계 흉내): 네트워크 지연만큼 기다렸다가 그대로 돌려줍니다.
    while data := conn.recv(64):
        time.sleep(NETWORK_DELAY)
        conn.sendall(data)


def probe_once():
    start = time.perf_counter_ns()
    if client:
        client.sendall(b"ping")       # 요청을 보내고 응답을 기다림 (기다리는 동안 GIL을 풂)
        client.recv(64)
    else:
        time.sleep(0.001)             # 1ms 대기 (기다리는 동안 GIL을 풂)
    return (time.perf_counter_ns() - start) / 1e6   # ms


def measure(name, repeat, cpu_in=None, switch=DEFAULT_SWITCH):
    # cpu_in: None이면 혼자, "threads"면 같은 프로세스의 스레드, "processes"면 별도 프로세스
    if cpu_in == "processes":
        context = multiprocessing.get_context("fork")
        stop, make = context.Event(), context.Process
    else:
        stop, make = threading.Event(), threading.Thread
    helpers = [make(target=spin, args=(stop,)) for _ in range(CPU_WORKERS if cpu_in else 0)]
    with lab.variant(name, repeat):
        sys.setswitchinterval(switch)
        for h in helpers:
            h.start()
        time.sleep(0.02)                                   # CPU 작업이 자리 잡을 때까지
        start = time.perf_counter()
        latencies = [probe_once() for _ in range(SAMPLES)]
        elapsed = time.perf_counter() - start
        stop.set()
        for h in helpers:
            h.join()
        sys.setswitchinterval(DEFAULT_SWITCH)
        ordered = sorted(latencies)
        lab.metric("p50_ms", round(ordered[len(ordered) // 2], 3))        # 중앙값
        lab.metric("p99_ms", round(ordered[int(len(ordered) * 0.99)], 3))  # 100번 중 99번은 이 안에
        lab.metric("ops_per_s", round(SAMPLES / elapsed))                 # 초당 대기(왕복) 횟수
        lab.metric("switch_ms", switch * 1000)
        lab.metric("latencies_ms", [round(x, 3) for x in latencies])     # 분포 그림용 (최대 1000개)


if __name__ == "__main__":
    if PROBE == "echo":
        client, server_end = socket.socketpair()           # 샌드박스 안의 로컬 소켓 한 쌍
        multiprocessing.get_context("fork").Process(
            target=echo_server, args=(server_end,), daemon=True).start()
    print(f"{PROBE} {SAMPLES}번, CPU 작업 {CPU_WORKERS}개, short_switch 간격 {SHORT_SWITCH * 1000:g}ms")
    for r in lab.rounds():
        measure("alone", r)
        measure("cpu_threads", r, cpu_in="threads")
        measure("short_switch", r, cpu_in="threads", switch=SHORT_SWITCH)
        measure("cpu_processes", r, cpu_in="processes")
    print("측정 완료")
