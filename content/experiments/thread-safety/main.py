"""스레드에 안전한 연산과, 원래부터 안전하지 않았던 연산.

스레드 여러 개가 같은 list와 dict를 함께 고칩니다.
- append: 공유 list에 list.append. 호출 하나로 끝나는 연산이라, GIL이 있든 없든
  (자유 스레드 빌드에서는 list 안의 락이 지켜서) 항목을 하나도 잃지 않습니다.
- totals: 사용자별 점수 합계, totals[user] += score(event). 한 줄이지만 '읽기 → score() 호출 →
  쓰기'입니다. 그 사이에 다른 스레드가 같은 합계를 고치면 더하기를 잃습니다. score() 안에서도
  스레드가 바뀔 수 있으므로 GIL이 있어도 잃습니다.
- cache: if key not in cache: cache[key] = compute(key). '확인하고 → 행동하기' 사이에 다른
  스레드가 같은 키를 확인하면, 같은 값을 두 번 계산합니다(중복 초기화).
- locked: totals와 cache를 락 하나로 지킵니다. 어느 런타임에서든 0이어야 합니다.
"""
import sys
import threading

import gil_lab as lab

THREADS = lab.param("threads")            # 동시에 고치는 스레드 수
ITEMS = lab.param("items")                # 스레드당 append 횟수이자 처리하는 이벤트 수
USERS = lab.param("users")                # 점수를 모으는 사용자 수 (합계의 수)
KEYS = lab.param("keys")                  # 캐시에 채울 키의 수 (스레드마다 같은 키들)
REPETITIONS = lab.param("repetitions")    # 같은 조건을 반복할 횟수

lock = threading.Lock()


def together(work):
    """스레드 THREADS개가 장벽에서 함께 출발해 work(i)를 하고, 각자의 반환값 목록을 돌려줍니다."""
    barrier = threading.Barrier(THREADS)
    returned = [0] * THREADS

    def run(i):
        barrier.wait()                    # 모든 스레드가 동시에 출발합니다
        returned[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return returned


def score(event):
    # 이벤트 하나의 점수를 계산하는 일 (순수 Python, 약 1µs). 점수는 언제나 1입니다.
    weight = 0
    for j in range(30):
        weight += j
    return 1


def compute(key):
    # 캐시에 넣을 값을 만드는 "비싼" 계산 (순수 Python 반복문, 약 10µs)
    total = 0
    for j in range(300):
        total += j * key
    return total


def append_items(items):
    for x in range(ITEMS):
        items.append(x)                   # 호출 하나: 중간에 끼어들 틈이 없습니다


def add_scores(totals, i, use_lock):
    for event in range(ITEMS):
        user = (event * 7 + i) % USERS    # 스레드마다 다른 순서로 사용자들을 돌아감
        if use_lock:
            points = score(event)         # 계산은 락 밖에서: 락은 짧게 잡습니다
            with lock:
                totals[user] += points
        else:
            totals[user] += score(event)  # 읽고 → score() → 더해 쓰기: 틈이 있음


def fill_cache(cache, use_lock):
    computed = 0                          # 이 스레드가 계산한 횟수 (자기 변수라 경쟁 없음)
    for key in range(KEYS):
        if use_lock:
            with lock:                    # 확인과 채우기를 하나로 묶음
                if key not in cache:
                    cache[key] = compute(key)
                    computed += 1
        elif key not in cache:            # 확인하고 → (틈) → 행동하기
            cache[key] = compute(key)
            computed += 1
    return computed


def lost_items():
    items = []
    together(lambda i: append_items(items))
    return THREADS * ITEMS - len(items)


def lost_points(use_lock):
    totals = dict.fromkeys(range(USERS), 0)
    together(lambda i: add_scores(totals, i, use_lock))
    return THREADS * ITEMS - sum(totals.values())   # 점수는 모두 1: 합은 이벤트 수여야 합니다


def duplicate_computations(use_lock):
    cache = {}
    computed = together(lambda i: fill_cache(cache, use_lock))
    return sum(computed) - KEYS           # 키마다 한 번이면 충분: 그 위는 중복 계산


if __name__ == "__main__":
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()   # 3.12 이하에는 이 함수가 없습니다
    print(f"Python {sys.version.split()[0]}, GIL {'켜짐' if gil else '꺼짐'}: 스레드 {THREADS}개, "
          f"append·이벤트 {ITEMS:,}번(사용자 {USERS}명), 캐시 키 {KEYS:,}개, {REPETITIONS}번 반복")
    for r in range(REPETITIONS):          # 종류를 번갈아: 기계 상태의 변화가 모두에 고르게
        with lab.variant("append", r):
            lab.metric("lost", lost_items())
        with lab.variant("totals", r):
            lab.metric("lost", lost_points(use_lock=False))
        with lab.variant("cache", r):
            lab.metric("duplicates", duplicate_computations(use_lock=False))
        with lab.variant("locked", r):
            lab.metric("lost", lost_points(use_lock=True))
            lab.metric("duplicates", duplicate_computations(use_lock=True))
    lab.on_other_runtimes()   # 같은 프로그램을 experiment.toml의 다른 런타임에서 다시 실행합니다
