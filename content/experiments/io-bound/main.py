"""I/O 작업: 순차 실행 vs 스레드 vs 프로세스.

요청 하나는 응답을 기다리는 시간(time.sleep 또는 로컬 소켓)과, 원하면 응답을 "파싱"하는
순수 Python 계산으로 이루어집니다. 기다리는 동안에는 GIL이 풀려 있으므로 스레드의 기다림은
서로 겹칩니다. 파싱은 GIL을 쥐고 하므로 스레드끼리 한 코어를 나눠 써야 합니다.
"""
import multiprocessing
import os
import socket
import threading
import time

import gil_lab as lab

WORKERS = lab.param("workers")          # 작업자 수
REQUESTS = lab.param("requests")        # 작업자 한 명이 보내는 요청 수
DELAY = lab.param("delay_ms") / 1000    # 응답을 기다리는 시간 (초)
PARSE = lab.param("parse_iterations")   # 응답 하나를 파싱하는 반복 횟수 (0이면 없음)
WAIT = lab.param("wait")                # "sleep" 또는 "socket"
SERVER = "/tmp/io-bound.sock"           # 샌드박스 안의 로컬(유닉스 도메인) 소켓


def serve_one(conn):
    # 서버: 요청을 받으면 DELAY만큼 뜸을 들인 뒤 응답합니다 (느린 외부 서비스 흉내).
    with conn:
        while conn.recv(64):
            time.sleep(DELAY)
            conn.sendall(b"OK")


def run_server(listener):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve_one, args=(conn,), daemon=True).start()


def io_task(worker):
    conn = None
    if WAIT == "socket":
        conn = socket.socket(socket.AF_UNIX)
        conn.connect(SERVER)
    for _ in range(REQUESTS):
        if conn:                       # 요청을 보내고 응답을 기다립니다: 기다리는 동안 GIL이 풀림
            conn.sendall(b"GET")
            conn.recv(64)
        else:
            time.sleep(DELAY)          # sleep도 기다리는 동안 GIL을 풉니다
        for n in worker.chunks(PARSE):  # 응답 "파싱": GIL을 쥐고 하는 순수 Python 계산
            for _ in range(n):
                pass
    if conn:
        conn.close()


if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    server = None
    if WAIT == "socket":
        try:
            os.unlink(SERVER)          # 전에 남은 소켓 파일이 있으면 bind가 실패하므로 먼저 지웁니다
        except FileNotFoundError:
            pass                       # 없으면 지울 것도 없습니다
        # 서버는 별도 프로세스에서 돌립니다: 서버의 일이 측정하는 쪽의 GIL을 쓰지 않도록.
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(SERVER)
        listener.listen(64)
        server = ctx.Process(target=run_server, args=(listener,), daemon=True)
        server.start()
    total = WORKERS * REQUESTS
    print(f"작업자 {WORKERS}명 × 요청 {REQUESTS}개, 응답 대기 {DELAY * 1000:g}ms ({WAIT}), "
          f"응답당 파싱 {PARSE:,}번 반복")
    for r in lab.rounds():
        for mode in ["sequential", "threads", "processes"]:
            with lab.variant(mode, r):
                start = time.perf_counter()
                lab.run_workers(io_task, WORKERS, mode, start_method="fork")
                lab.metric("requests_per_s", round(total / (time.perf_counter() - start), 1))
    if server:
        server.terminate()
        os.unlink(SERVER)
    print("측정 완료")
