"""서브인터프리터: 한 프로세스 안에서 GIL을 여러 개.

CPython 3.12부터 서브인터프리터는 각자 자기 GIL을 가질 수 있습니다(PEP 684). 같은 순수 Python
반복문을 순차, 스레드, 서브인터프리터(인터프리터마다 스레드 하나), 프로세스로 실행합니다.
스레드는 GIL 하나를 나눠 쓰고, 서브인터프리터는 프로세스처럼 코어마다 동시에 실행되지만 모두
한 프로세스 안에 있습니다. 만들기와 데이터 넘기기에 드는 비용도 잽니다.

이 서버의 CPython 3.11에는 인터프리터마다의 GIL이 없어서, 자유 스레드 빌드에서 GIL을 켠 채
(-X gil=1) 실행합니다. GIL을 켜면 기본 빌드처럼 인터프리터마다 GIL이 하나씩 있습니다.
"""
import sys
import time

import gil_lab as lab

WORKERS = lab.param("workers")            # 작업자 수
ITERATIONS = lab.param("iterations")      # 작업자 한 명이 도는 반복 횟수
PAYLOAD = lab.param("payload_kib") * 1024  # 서브인터프리터에 넘길 bytes의 크기

# 서브인터프리터에는 이 프로그램의 함수를 넘길 수 없어서(각자 따로 import합니다) 코드를 글로 줍니다.
CODE = f"""
def work(n):
    for _ in range(n):
        pass
work({ITERATIONS})
"""


def cpu_task(worker):
    for n in worker.chunks(ITERATIONS):
        for _ in range(n):
            pass


def in_interpreter(worker, interpreters):
    # 인터프리터마다 스레드 하나: 그 스레드가 자기 인터프리터의 GIL을 쥐고 코드를 실행합니다.
    with worker.span():
        interpreters_module.exec(interpreters[worker.id], CODE)


if __name__ == "__main__":
    if not lab.series():
        # 이 서버의 CPython(3.11)에서는 재지 않고, experiment.toml의 런타임에서 다시 실행합니다.
        print(f"Python {sys.version.split()[0]}: 인터프리터마다의 GIL이 없어 다른 런타임에서 잽니다.")
        lab.on_other_runtimes()
        sys.exit(0)
    import _interpreters as interpreters_module   # 3.13의 저수준 모듈 (3.14: concurrent.interpreters)
    gil = sys._is_gil_enabled()
    print(f"Python {sys.version.split()[0]}, GIL {'켜짐' if gil else '꺼짐'}: "
          f"작업자 {WORKERS}명 × {ITERATIONS:,}번 반복")
    payload = b"x" * PAYLOAD
    for r in lab.rounds():
        with lab.variant("sequential", r):
            lab.run_workers(cpu_task, WORKERS, "sequential")
        with lab.variant("threads", r):
            lab.run_workers(cpu_task, WORKERS, "threads")
        t0 = time.perf_counter()
        ids = [interpreters_module.create() for _ in range(WORKERS)]
        create_ms = (time.perf_counter() - t0) / WORKERS * 1e3
        t0 = time.perf_counter()
        interpreters_module.set___main___attrs(ids[0], {"payload": payload})   # bytes는 복사됩니다
        share_ms = (time.perf_counter() - t0) * 1e3
        with lab.variant("interpreters", r):
            lab.run_workers(in_interpreter, WORKERS, "threads", args=(ids,))
            lab.metric("create_ms", round(create_ms, 2))
            lab.metric("share_ms", round(share_ms, 3))
        for i in ids:
            interpreters_module.destroy(i)
        with lab.variant("processes", r):
            lab.run_workers(cpu_task, WORKERS, "processes", start_method="fork")
