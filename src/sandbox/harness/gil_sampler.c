/*
 * gil_sampler: watches, from inside a Python process, who holds the GIL and what its threads do.
 *
 * A native thread of its own, started through ctypes, reads the GIL's `locked` flag and its last
 * holder (a PyThreadState pointer) at a fixed period, and for every registered thread whether it
 * runs, waits for the GIL or sleeps; it records each change with a CLOCK_MONOTONIC timestamp, the
 * clock of time.perf_counter_ns(). It never calls into Python, so it never needs the GIL, and it
 * needs no privilege: plain loads from this process's memory and reads of /proc/thread-self.
 *
 * The caller (gil_lab.py) finds the addresses: from CPython 3.13's _PyRuntime.debug_offsets, or
 * from offsets taken from the build's own headers at install time, and it checks them against a
 * known value (the GIL held by the calling thread) before starting. Nothing here guesses.
 *
 * Waiting for the GIL is sleeping on a futex inside the GIL's structure (its condition variables
 * and mutexes): /proc/thread-self/syscall names the futex's address, which tells it from sleeping
 * on I/O or on any other lock.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { NOBODY = 0xffff, SOMEONE_ELSE = 0xfffe };            /* holder values besides a thread */
enum { HOLDS = 1, RUNS = 2, WAITS = 3, SLEEPS = 4 };         /* a thread's states */
enum { KIND_HOLDER = 0, KIND_STATE = 1 };

#define MAX_THREADS 64
/* What a look costs is mostly reading /proc (a few µs per thread), so the threads' states are
 * read once per 250 µs, and at once for a thread that just lost the GIL; the GIL's holder,
 * two loads from memory, at every look. With one thread alive nothing can change hands, and
 * without a GIL nothing is handed over: there the looks are 10 times rarer. (benches/gil-recorder.sh measures what this costs.) */
#define STATE_NS 250000      /* thread states at least this often apart: every look from 250 µs */
#define ALONE_SLOWDOWN 10
#define CAPACITY (1 << 16)                                 /* events: 1 MiB */

struct event {
    uint64_t t_ns;
    uint16_t kind;
    uint16_t thread;   /* KIND_STATE: the thread's index; KIND_HOLDER: 0 */
    uint32_t value;    /* KIND_HOLDER: thread index, NOBODY or SOMEONE_ELSE; KIND_STATE: state */
};

struct watched {
    uintptr_t tstate;
    int stat_fd, syscall_fd;
    int state;
};

static struct {
    volatile int *locked;
    uintptr_t *volatile holder;
    volatile unsigned long *switch_number;   /* the GIL's own count of hand-overs, or NULL */
    unsigned long first_switch, last_switch;
    uintptr_t gil_lo, gil_hi;     /* the GIL's structure: a futex in here is a wait for the GIL */
    int gil;                      /* 0 where the GIL is disabled: thread states only */
    uint64_t period_ns;
    pthread_t thread;
    volatile int running;
    pthread_mutex_t lock;         /* guards threads[] against register() while sampling */
    struct watched threads[MAX_THREADS];
    int n_threads;
    struct event events[CAPACITY];
    volatile int n_events;
    int truncated;
    uint32_t last_holder;
    pid_t owner;                  /* the process whose thread samples */
} s = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void record(uint64_t t, int kind, int thread, uint32_t value) {
    int n = s.n_events;
    if (n >= CAPACITY) {
        s.truncated = 1;
        return;
    }
    s.events[n] = (struct event){ t, (uint16_t)kind, (uint16_t)thread, value };
    s.n_events = n + 1;
    /* A long run's record stays bounded: past half the capacity the period doubles, and again
     * at each further eighth, so changes shorter than the period go unseen rather than fill it. */
    if (n + 1 >= CAPACITY / 2 && (n + 1) % (CAPACITY / 8) == 0)
        s.period_ns *= 2;
}

static uint32_t holder_now(void) {
    if (!*s.locked)
        return NOBODY;
    uintptr_t holder = *s.holder;
    for (int i = 0; i < s.n_threads; i++)
        if (s.threads[i].tstate == holder)
            return (uint32_t)i;
    return SOMEONE_ELSE;
}

/* What a thread that does not hold the GIL is doing, from /proc/thread-self/{stat,syscall}. */
static int state_of(struct watched *w) {
    char buf[512];
    ssize_t n = pread(w->stat_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;                 /* the thread has ended */
    buf[n] = 0;
    char *paren = strrchr(buf, ')');
    if (!paren || paren[1] != ' ')
        return 0;
    char state = paren[2];
    if (state == 'R')
        return RUNS;
    if (!s.gil || w->syscall_fd < 0)
        return SLEEPS;
    n = pread(w->syscall_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return SLEEPS;
    buf[n] = 0;
    long nr = strtol(buf, NULL, 10);
    char *arg = strchr(buf, ' ');
    if (nr != SYS_futex || !arg)
        return SLEEPS;
    uintptr_t address = (uintptr_t)strtoull(arg + 1, NULL, 16);
    return address >= s.gil_lo && address < s.gil_hi ? WAITS : SLEEPS;
}

static void *sample(void *unused) {
    (void)unused;
    prctl(PR_SET_TIMERSLACK, 1000UL);   /* wake within 1 µs of the period, not 50 µs */
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    unsigned long tick = 0;
    while (s.running) {
        uint64_t t = now_ns();
        pthread_mutex_lock(&s.lock);
        uint32_t holder = s.gil ? holder_now() : NOBODY;
        unsigned long switches = s.switch_number ? *s.switch_number : 0;
        if (s.gil && holder != s.last_holder) {
            s.last_holder = holder;
            record(t, KIND_HOLDER, 0, holder);
        } else if (s.gil && switches != s.last_switch && holder != NOBODY) {
            /* The GIL went to another thread and back between two looks (A→B→A): the span
             * ends here, though the holder looks the same. */
            record(t, KIND_HOLDER, 0, holder);
        }
        s.last_switch = switches;
        int live = 0;
        for (int i = 0; i < s.n_threads; i++)
            live += s.threads[i].stat_fd >= 0;
        uint64_t state_every = s.period_ns >= STATE_NS ? 1 : STATE_NS / s.period_ns;
        int states_now = live <= 1 || tick % state_every == 0;
        for (int i = 0; i < s.n_threads; i++) {
            struct watched *w = &s.threads[i];
            if (w->stat_fd < 0)
                continue;
            int holds = s.gil && holder == (uint32_t)i;
            if (!holds && !states_now && w->state != HOLDS)
                continue;
            int state = holds ? HOLDS : state_of(w);
            if (state == 0) {   /* ended: its PyThreadState may be reused by a new thread */
                w->tstate = 0;
                close(w->stat_fd);
                if (w->syscall_fd >= 0)
                    close(w->syscall_fd);
                w->stat_fd = w->syscall_fd = -1;
            }
            if (state != w->state) {
                w->state = state;
                record(t, KIND_STATE, i, (uint32_t)state);
            }
        }
        pthread_mutex_unlock(&s.lock);
        tick++;
        /* Without a GIL every thread may run at once on every core, and each look takes a core
         * slice from them: whether they run side by side shows at a tenth of the rate too. */
        int slow = live <= 1 || !s.gil;
        uint64_t ns = (uint64_t)next.tv_nsec + s.period_ns * (slow ? ALONE_SLOWDOWN : 1);
        next.tv_sec += (time_t)(ns / 1000000000u);
        next.tv_nsec = (long)(ns % 1000000000u);
        uint64_t late = now_ns();
        uint64_t due = (uint64_t)next.tv_sec * 1000000000u + (uint64_t)next.tv_nsec;
        if (due < late) {   /* descheduled: skip the missed ticks rather than catch up */
            next.tv_sec = (time_t)(late / 1000000000u);
            next.tv_nsec = (long)(late % 1000000000u);
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    return NULL;
}

static void forget_threads(void) {
    for (int i = 0; i < s.n_threads; i++) {
        if (s.threads[i].stat_fd >= 0)
            close(s.threads[i].stat_fd);
        if (s.threads[i].syscall_fd >= 0)
            close(s.threads[i].syscall_fd);
    }
    s.n_threads = 0;
}

/* Starts sampling. `locked`, `holder` and `switch_number` are the addresses of the GIL's fields
 * (0 where the GIL is disabled or the count is unknown); [gil_lo, gil_hi) spans its structure.
 * Returns 0, or -1 if already running. A forked child calls it afresh: the sampling thread is
 * not inherited, its state is. */
int gs_start(uintptr_t locked, uintptr_t holder, uintptr_t switch_number, uintptr_t gil_lo,
             uintptr_t gil_hi, uint64_t period_ns) {
    if (s.running && s.owner == getpid())
        return -1;
    pthread_mutex_init(&s.lock, NULL);
    forget_threads();   /* after fork: the parent's threads, not ours */
    s.owner = getpid();
    s.locked = (volatile int *)locked;
    s.holder = (uintptr_t *volatile)holder;
    s.gil = locked != 0 && holder != 0;
    s.switch_number = s.gil && switch_number ? (volatile unsigned long *)switch_number : NULL;
    s.first_switch = s.last_switch = s.switch_number ? *s.switch_number : 0;
    s.gil_lo = gil_lo;
    s.gil_hi = gil_hi;
    s.period_ns = period_ns ? period_ns : 100000;
    s.n_events = 0;
    s.truncated = 0;
    s.last_holder = NOBODY;
    s.running = 1;
    if (pthread_create(&s.thread, NULL, sample, NULL) != 0) {
        s.running = 0;
        return -1;
    }
    return 0;
}

/* Registers the calling thread (its PyThreadState) and returns its index, or -1. A PyThreadState
 * already registered keeps its index: the same thread registered again, or a new thread that
 * got an ended one's PyThreadState. */
int gs_register(uintptr_t tstate) {
    int stat_fd = open("/proc/thread-self/stat", O_RDONLY | O_CLOEXEC);
    if (stat_fd < 0)
        return -1;
    int syscall_fd = open("/proc/thread-self/syscall", O_RDONLY | O_CLOEXEC);
    pthread_mutex_lock(&s.lock);
    int i = 0;
    while (i < s.n_threads && s.threads[i].tstate != tstate)
        i++;
    if (i < s.n_threads) {
        struct watched *old = &s.threads[i];
        if (old->stat_fd >= 0)
            close(old->stat_fd);
        if (old->syscall_fd >= 0)
            close(old->syscall_fd);
    }
    if (i < MAX_THREADS) {
        s.threads[i] = (struct watched){ tstate, stat_fd, syscall_fd, 0 };
        if (i == s.n_threads)
            s.n_threads = i + 1;
    }
    pthread_mutex_unlock(&s.lock);
    if (i >= MAX_THREADS) {
        close(stat_fd);
        if (syscall_fd >= 0)
            close(syscall_fd);
        return -1;
    }
    return i;
}

/* Stops sampling; returns the number of events recorded. */
int gs_stop(void) {
    if (s.running) {
        s.running = 0;
        pthread_join(s.thread, NULL);
    }
    forget_threads();
    return s.n_events;
}

/* Copies up to `max` events as 4 numbers each: t_ns, kind, thread, value. */
int gs_events(uint64_t *out, int max) {
    int n = s.n_events < max ? s.n_events : max;
    for (int i = 0; i < n; i++) {
        out[4 * i] = s.events[i].t_ns;
        out[4 * i + 1] = s.events[i].kind;
        out[4 * i + 2] = s.events[i].thread;
        out[4 * i + 3] = s.events[i].value;
    }
    return n;
}

int gs_truncated(void) { return s.truncated; }
/* Hand-overs of the GIL while sampling, by the GIL's own count; -1 where it is unknown. */
int64_t gs_switches(void) {
    return s.switch_number ? (int64_t)(s.last_switch - s.first_switch) : -1;
}
uint64_t gs_period_ns(void) { return s.period_ns; }
