"""시작 방식별 비용: 스레드 vs fork vs forkserver vs spawn.

아무 일도 하지 않는 작업자 여러 명을 시작하고 끝날 때까지 기다리는 시간만 잽니다.
- thread: 같은 프로세스 안에 OS 스레드를 만듭니다.
- fork: 부모 프로세스를 복제합니다. import한 모듈을 그대로 물려받습니다.
- forkserver: 깨끗한 서버 프로세스를 하나 띄우고, 작업자는 그 서버에서 fork합니다.
- spawn: 작업자마다 인터프리터를 새로 시작하고 메인 모듈(이 파일)을 다시 import합니다.
"""
import multiprocessing
import multiprocessing.forkserver
import threading
import time

import gil_lab as lab

WORKERS = lab.param("workers")                # 시작할 작업자 수
HEAVY_IMPORT = lab.param("heavy_import")      # 무거운 import를 할지
FRESH_SERVER = lab.param("fresh_forkserver")  # forkserver의 서버를 매번 새로 띄울지

if HEAVY_IMPORT:
    # 큰 표준 라이브러리 패키지들. spawn 작업자는 이 파일을 다시 import하므로 이 줄도 작업자마다 다시
    # 실행됩니다. fork 작업자는 부모가 불러 둔 것을 물려받습니다.
    import asyncio, decimal, email.mime.multipart, http.server, unittest, xml.dom.minidom  # noqa


def work():
    pass  # 아무 일도 하지 않음: 시작하고 끝내는 비용만 남습니다


def start_and_join(method):
    if method == "thread":
        workers = [threading.Thread(target=work) for _ in range(WORKERS)]
    else:
        context = multiprocessing.get_context(method)
        workers = [context.Process(target=work) for _ in range(WORKERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


if __name__ == "__main__":
    print(f"작업자 {WORKERS}명 시작+종료, 무거운 import: {'예' if HEAVY_IMPORT else '아니요'}")
    for r in lab.rounds():
        fork_ms = None
        for method in ["thread", "fork", "forkserver", "spawn"]:
            if method == "forkserver" and FRESH_SERVER:
                # 떠 있는 서버를 멈춰, 이번 반복도 서버를 처음 띄우는 비용을 내게 합니다 (내부 함수).
                multiprocessing.forkserver._forkserver._stop()
            with lab.variant(method, r):
                start = time.perf_counter()
                start_and_join(method)
                total_ms = (time.perf_counter() - start) * 1000
                fork_ms = total_ms if method == "fork" else fork_ms
                lab.metric("total_ms", round(total_ms, 2))
                lab.metric("ms_per_worker", round(total_ms / WORKERS, 3))
                if fork_ms:
                    lab.metric("times_fork", round(total_ms / fork_ms, 1))  # 같은 반복의 fork의 몇 배
    print("측정 완료")
