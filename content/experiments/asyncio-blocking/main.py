"""asyncio: 기다림은 겹치고, 계산은 이벤트 루프를 막습니다.

코루틴 여러 개가 await asyncio.sleep(delay)으로 몇 번씩 "응답"을 기다립니다. 한 스레드의
이벤트 루프가 기다림을 모두 겹쳐 주므로 스레드처럼 빨라집니다. 응답마다 순수 Python 계산을
붙이면, 계산하는 동안 루프는 아무것도 하지 못합니다. 그동안 1ms마다 깨어나야 하는 "티커"
코루틴이 얼마나 늦게 깨어나는지(루프의 지연)를 잽니다.

- sleep_only: 기다림만.
- cpu_in_loop: 기다린 뒤 코루틴 안에서 바로 계산: 루프가 막힙니다.
- to_thread: 계산을 asyncio.to_thread로 스레드에 넘김: 루프는 돌지만 계산은 여전히 GIL을 쥡니다.
- to_process: 계산을 프로세스 풀에 넘김: 루프도 돌고, 계산도 코어마다 동시에 됩니다.
"""
import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import gil_lab as lab

TASKS = lab.param("tasks")                  # 동시에 도는 코루틴 수
REQUESTS = lab.param("requests")            # 코루틴 하나가 차례로 기다리는 횟수
DELAY = lab.param("delay_ms") / 1000        # 한 번 기다리는 시간 (초)
CPU = lab.param("cpu_iterations")           # 응답마다 하는 계산 (빈 반복문의 횟수)
TICK = 0.001                                # 티커가 깨어나려는 간격: 1ms


def cpu_step(n):
    # 응답 "처리": GIL을 쥐고 하는 순수 Python 계산 (10만 번 ≈ 1ms)
    for _ in range(n):
        pass


async def ticker(stop, lateness):
    # 1ms마다 깨어나려 합니다. 늦게 깨어난 만큼이 그 순간 루프가 다른 일에 붙잡혀 있던 시간입니다.
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(TICK)
        lateness.append((time.perf_counter() - start - TICK) * 1000)   # ms


async def client(mode, pool):
    loop = asyncio.get_running_loop()
    for _ in range(REQUESTS):
        await asyncio.sleep(DELAY)                  # 응답을 기다림: 루프는 그동안 다른 코루틴을 돌림
        if mode == "cpu_in_loop":
            cpu_step(CPU)                           # 루프 스레드에서 바로 계산: 그동안 루프가 멈춤
        elif mode == "to_thread":
            await asyncio.to_thread(cpu_step, CPU)  # 기본 스레드 풀에서 계산 (GIL은 여전히 하나)
        elif mode == "to_process":
            await loop.run_in_executor(pool, cpu_step, CPU)   # 다른 프로세스에서 계산


async def serve(mode, pool):
    stop, lateness = asyncio.Event(), []
    tick = asyncio.create_task(ticker(stop, lateness))
    await asyncio.gather(*(client(mode, pool) for _ in range(TASKS)))
    stop.set()
    await tick
    return lateness


def measure(mode, r):
    pool = None
    if mode == "to_process":   # 풀은 재기 전에 띄워 둡니다 (실무에서도 한 번 만들어 재사용)
        pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
        pool.submit(cpu_step, 0).result()
    with lab.variant(mode, r):
        lateness = asyncio.run(serve(mode, pool))
        if pool:
            pool.shutdown()    # 자식 프로세스를 거둬야 그 CPU 시간이 잡힙니다
        ordered = sorted(lateness)
        lab.metric("p50_late_ms", round(ordered[len(ordered) // 2], 3))   # 지연의 중앙값
        lab.metric("max_late_ms", round(ordered[-1], 3))                 # 가장 늦은 깨어남
        lab.metric("ticks", len(ordered))                                # 티커가 깨어난 횟수
        lab.metric("late_ms", [round(x, 3) for x in ordered[:1000]])     # 분포 그림용


if __name__ == "__main__":
    print(f"코루틴 {TASKS}개 × 응답 {REQUESTS}번, 응답 대기 {DELAY * 1000:g}ms, "
          f"응답당 계산 {CPU:,}번 반복")
    for r in lab.rounds():
        for mode in ["sleep_only", "cpu_in_loop", "to_thread", "to_process"]:
            measure(mode, r)
    print("측정 완료")
