//! The seccomp allow-list (issue 12, item 6): what a lesson never needs answers an error, every
//! system call newer than the list included, while the standard library a learner may reach for
//! keeps working.

use gil_lab::sandbox::Ending;

use crate::support::{Sandbox, limits};

/// Each line: a call, the errno the program got (0: it ran), the errno the test expects.
#[cfg(target_arch = "x86_64")]
const REFUSED: &str = r#"
import ctypes, errno, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(nr, *args):
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return 0 if rc >= 0 else ctypes.get_errno()
buf = ctypes.create_string_buffer(64)
calls = {
    "modify_ldt": (call(154, 0, ctypes.addressof(buf), 16), errno.ENOSYS),
    "personality": (call(135, 0xFFFFFFFF), errno.ENOSYS),
    "fanotify_init": (call(300, 0, 0), errno.ENOSYS),
    "kcmp": (call(312, 1, 1, 0, 0, 0), errno.ENOSYS),
    "pidfd_getfd": (call(438, 0, 0, 0), errno.ENOSYS),
    "clone3": (call(435, 0, 0), errno.ENOSYS),
    "memfd_secret": (call(447, 0), errno.ENOSYS),
    "statmount": (call(457, 0, 0, 0, 0), errno.ENOSYS),
    "listmount": (call(458, 0, 0, 0, 0), errno.ENOSYS),
    "open_tree_attr": (call(467, -100, 0, 0, 0, 0), errno.ENOSYS),
    "shmget": (call(29, 0, 4096, 0o1000), errno.ENOSYS),
    "x32 getpid": (call(39 | 0x40000000), errno.ENOSYS),
    "mount": (call(165, 0, 0, 0, 0, 0), errno.EPERM),
    "unshare": (call(272, 0x10000000), errno.EPERM),
    "bpf": (call(321, 0, 0, 0), errno.EPERM),
}
for name, family, proto in [("netlink", socket.AF_NETLINK, 0), ("packet", socket.AF_PACKET, 0),
                            ("vsock", 40, 0), ("mptcp", socket.AF_INET, 262)]:
    try:
        socket.socket(family, socket.SOCK_STREAM if name != "netlink" else socket.SOCK_RAW, proto).close()
        got = 0
    except OSError as e:
        got = e.errno
    expected = errno.EPROTONOSUPPORT if name == "mptcp" else errno.EAFNOSUPPORT
    calls[name + " socket"] = (got, expected)
for name, (got, expected) in calls.items():
    print(f"{name}: got {errno.errorcode.get(got, got)} expected {errno.errorcode[expected]}")
"#;

#[cfg(target_arch = "x86_64")]
#[tokio::test]
async fn calls_off_the_allow_list_are_refused() {
    let sandbox = Sandbox::new(40);
    let ran = sandbox.run(REFUSED, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    let lines: Vec<&str> = ran.stdout().lines().collect();
    assert_eq!(lines.len(), 19, "one line per call: {}", ran.stdout());
    for line in lines {
        let (call, outcome) = line.split_once(": got ").expect("name: got X expected Y");
        let (got, expected) = outcome.split_once(" expected ").expect("got X expected Y");
        assert_eq!(got, expected, "{call} was not refused as expected");
    }
}

/// The standard library beyond the experiments: files, descriptors, event loops, timers,
/// signals, subprocesses, Unix sockets, shared memory and process pools.
const STANDARD_LIBRARY: &str = r#"
import asyncio, concurrent.futures, mmap, os, selectors, signal, socket, subprocess, sys
import tempfile, threading, time
from multiprocessing import shared_memory
done = []
with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, "a.txt")
    with open(p, "w") as f:
        f.write("hello")
    os.rename(p, p + ".moved"); os.link(p + ".moved", p); os.symlink(p, p + ".link")
    os.chmod(p, 0o600); os.utime(p); os.truncate(p, 2); os.stat(p); os.readlink(p + ".link")
    with open(p, "r+b") as f:
        m = mmap.mmap(f.fileno(), 0); m[0:1] = b"H"; m.flush(); m.close()
    fd = os.open(p, os.O_RDONLY); os.pread(fd, 2, 0); os.dup2(fd, 99); os.close(99); os.close(fd)
    os.listdir(d); os.scandir(d).close()
    os.mkfifo(os.path.join(d, "fifo")); os.fsync(os.open(p, os.O_RDONLY)); os.sync()
done.append("files")
r, w = os.pipe(); os.write(w, b"x"); os.read(r, 1)
sel = selectors.DefaultSelector(); sel.register(r, selectors.EVENT_READ); sel.select(0); sel.close()
done.append("selectors")
async def main():
    await asyncio.sleep(0.01)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "print(1)", stdout=asyncio.subprocess.PIPE)
    return (await proc.communicate())[0]
assert asyncio.run(main()).strip() == b"1"
done.append("asyncio")
signal.signal(signal.SIGALRM, lambda *a: done.append("alarm"))
signal.setitimer(signal.ITIMER_REAL, 0.01); time.sleep(0.05)
assert subprocess.run(["/usr/bin/true"]).returncode == 0
done.append("subprocess")
# Landlock refuses every TCP port; the calls themselves stay allowed.
for family in (socket.AF_INET, socket.AF_INET6):
    socket.socket(family, socket.SOCK_DGRAM).close()
a, b = socket.socketpair(); a.sendall(b"ping"); assert b.recv(4) == b"ping"
done.append("sockets")
shm = shared_memory.SharedMemory(create=True, size=4096); shm.buf[0] = 1; shm.close(); shm.unlink()
done.append("shared_memory")
with concurrent.futures.ProcessPoolExecutor(2) as pool:
    assert list(pool.map(abs, [-1, -2])) == [1, 2]
t = threading.Thread(target=time.sleep, args=(0.01,)); t.start(); t.join()
os.sched_setaffinity(0, os.sched_getaffinity(0)); os.nice(1); os.times(); os.urandom(8)
done.append("processes")
print(" ".join(done))
"#;

#[tokio::test]
async fn the_standard_library_keeps_working_under_the_allow_list() {
    let sandbox = Sandbox::new(41);
    let ran = sandbox.run(STANDARD_LIBRARY, limits()).await;
    assert_eq!(ran.ending(), Ending::Exited(0), "{}", ran.stderr());
    assert_eq!(
        ran.stdout().trim(),
        "files selectors asyncio alarm subprocess sockets shared_memory processes",
        "{}",
        ran.stderr()
    );
}
