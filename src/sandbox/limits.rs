//! Every limit of a run in one row: its value, how the sandbox applies it (rlimit, cgroup, tmpfs
//! size or the server's own watch) and the Korean sentence a learner reads when a run hits it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;
/// Extra pids in the cgroup for the launcher, hakoniwa's reaper and the container's init.
pub const PIDS_HEADROOM: u64 = 8;
/// Open files per process: not configurable, and never named to the learner.
const OPEN_FILES: u64 = 256;

/// The values of one run's limits; `wall` covers the whole run, the rest the whole sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    pub wall: Duration,
    pub cpu_seconds: u64,
    pub memory_bytes: u64,
    pub max_processes: u64,
    pub output_bytes: usize,
    pub file_size_bytes: u64,
    pub tmpfs_bytes: u64,
    pub result_bytes: usize,
}

/// Each limit a run has, including those it is never told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Wall,
    CpuTime,
    Memory,
    Processes,
    Output,
    FileSize,
    Tmpfs,
    Results,
    OpenFiles,
    CoreDumps,
}

impl Limit {
    pub const ALL: [Limit; 10] = [
        Limit::Wall,
        Limit::CpuTime,
        Limit::Memory,
        Limit::Processes,
        Limit::Output,
        Limit::FileSize,
        Limit::Tmpfs,
        Limit::Results,
        Limit::OpenFiles,
        Limit::CoreDumps,
    ];
}

/// A resource limit set inside the container, sent to the launcher in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rlimit {
    pub resource: Resource,
    pub soft: u64,
    pub hard: u64,
}

/// The rlimit resources the sandbox sets (a serialisable mirror of hakoniwa's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Cpu,
    As,
    Nproc,
    Fsize,
    Nofile,
    Core,
}

impl Resource {
    pub const ALL: [Resource; 6] = [
        Resource::Cpu,
        Resource::As,
        Resource::Nproc,
        Resource::Fsize,
        Resource::Nofile,
        Resource::Core,
    ];
}

/// One way a limit is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// An rlimit of every process inside the container.
    Rlimit(Rlimit),
    /// The run's cgroup: memory of all its processes together, swap included.
    CgroupMemory(u64),
    /// The run's cgroup: processes and threads of the whole run.
    CgroupPids(u64),
    /// The size of each of the container's two tmpfs mounts (`/tmp`, `/dev/shm`).
    TmpfsSize(u64),
    /// The server watches it from outside and stops (or stops reading) the run.
    Server,
}

/// One limit, in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub limit: Limit,
    pub applied: Vec<Applied>,
    /// What the learner reads when the run hit it; `None` for limits never named.
    pub sentence: Option<String>,
}

fn rlimit(resource: Resource, soft: u64, hard: u64) -> Applied {
    Applied::Rlimit(Rlimit { resource, soft, hard })
}

impl RunLimits {
    /// The row of `limit`: its mapping onto the sandbox and its sentence.
    pub fn row(&self, limit: Limit) -> Row {
        let (applied, sentence) = match limit {
            Limit::Wall => (
                vec![Applied::Server],
                Some(format!("실행 시간 제한({}초)을 넘겨 중지했습니다.", self.wall.as_secs())),
            ),
            // Hard one second above soft: SIGXCPU first (a clear reason), SIGKILL if ignored.
            Limit::CpuTime => (
                vec![rlimit(Resource::Cpu, self.cpu_seconds, self.cpu_seconds + 1)],
                Some(format!("CPU 시간 제한(프로세스당 {}초)을 넘었습니다.", self.cpu_seconds)),
            ),
            Limit::Memory => (self.memory_applied(), Some(self.memory_sentence())),
            Limit::Processes => (
                vec![
                    // Counted per user namespace, so concurrent runs don't share it.
                    rlimit(Resource::Nproc, self.max_processes, self.max_processes),
                    Applied::CgroupPids(self.max_processes + PIDS_HEADROOM),
                ],
                Some(format!(
                    "프로세스·스레드 수 제한({}개)에 걸려 새 프로세스나 스레드를 만들지 못했습니다.",
                    self.max_processes
                )),
            ),
            Limit::Output => (
                vec![Applied::Server],
                Some(format!(
                    "출력 제한(stdout·stderr 각 {} KiB)을 넘어 실행을 멈췄습니다. 그때까지의 출력은 남겨 두었습니다.",
                    self.output_bytes / 1024
                )),
            ),
            Limit::FileSize => (
                vec![rlimit(Resource::Fsize, self.file_size_bytes, self.file_size_bytes)],
                Some(format!("파일 크기 제한({} MiB)을 넘었습니다.", self.file_size_bytes / MIB)),
            ),
            Limit::Tmpfs => (
                vec![Applied::TmpfsSize(self.tmpfs_bytes)],
                Some(format!(
                    "임시 저장 공간 제한(/tmp와 /dev/shm 각 {} MiB)을 넘었습니다.",
                    self.tmpfs_bytes / MIB
                )),
            ),
            // The server stops keeping records past it but drains the pipe: nothing to name.
            Limit::Results => (vec![Applied::Server], None),
            Limit::OpenFiles => (vec![rlimit(Resource::Nofile, OPEN_FILES, OPEN_FILES)], None),
            Limit::CoreDumps => (vec![rlimit(Resource::Core, 0, 0)], None),
        };
        Row { limit, applied, sentence }
    }

    /// The cgroup bounds all processes together; RLIMIT_AS is only a per-process backstop
    /// (for hosts without cgroups), at least 1 GiB so threads' arenas fit.
    fn memory_applied(&self) -> Vec<Applied> {
        let address_space = self.memory_bytes.max(1 << 30) * 2;
        vec![
            rlimit(Resource::As, address_space, address_space),
            Applied::CgroupMemory(self.memory_bytes),
        ]
    }

    fn memory_sentence(&self) -> String {
        format!("메모리 제한(모든 프로세스 합계 {} MiB)에 걸렸습니다.", self.memory_bytes / MIB)
    }

    /// The sentence of a limit that is hit, with what the host counted about it.
    pub fn hit_sentence(&self, limit: Limit, oom_kills: u64) -> Option<String> {
        let sentence = self.row(limit).sentence?;
        if limit == Limit::Memory && oom_kills > 0 {
            return Some(format!("{sentence} 프로세스 {oom_kills}개가 강제 종료되었습니다."));
        }
        Some(sentence)
    }

    /// Every rlimit, in the order of `Limit::ALL`, for the launcher's spec.
    pub fn rlimits(&self) -> Vec<Rlimit> {
        self.all_applied()
            .filter_map(|a| match a {
                Applied::Rlimit(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    /// The run cgroup's memory limit and pids limit.
    pub fn cgroup(&self) -> CgroupLimits {
        let mut limits = CgroupLimits { memory_bytes: 0, max_pids: 0 };
        for applied in self.all_applied() {
            match applied {
                Applied::CgroupMemory(bytes) => limits.memory_bytes = bytes,
                Applied::CgroupPids(pids) => limits.max_pids = pids,
                _ => {}
            }
        }
        limits
    }

    /// The size of each tmpfs mount.
    pub fn tmpfs_size(&self) -> u64 {
        self.all_applied()
            .find_map(|a| match a {
                Applied::TmpfsSize(bytes) => Some(bytes),
                _ => None,
            })
            .unwrap_or(self.tmpfs_bytes)
    }

    fn all_applied(&self) -> impl Iterator<Item = Applied> + '_ {
        Limit::ALL.into_iter().flat_map(|limit| self.row(limit).applied)
    }
}

/// What the run's cgroup is created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CgroupLimits {
    pub memory_bytes: u64,
    pub max_pids: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> RunLimits {
        RunLimits {
            wall: Duration::from_secs(4),
            cpu_seconds: 10,
            memory_bytes: 256 * MIB,
            max_processes: 64,
            output_bytes: 64 * 1024,
            file_size_bytes: 4 * MIB,
            tmpfs_bytes: 16 * MIB,
            result_bytes: 1 << 20,
        }
    }

    #[test]
    fn every_rlimit_the_container_had_before_is_still_set() {
        let rlimits = limits().rlimits();
        let find = |resource| rlimits.iter().find(|r| r.resource == resource).copied();
        let r = |resource, soft, hard| Some(Rlimit { resource, soft, hard });
        assert_eq!(find(Resource::Cpu), r(Resource::Cpu, 10, 11));
        assert_eq!(find(Resource::As), r(Resource::As, 2 << 30, 2 << 30));
        assert_eq!(find(Resource::Nproc), r(Resource::Nproc, 64, 64));
        assert_eq!(find(Resource::Fsize), r(Resource::Fsize, 4 * MIB, 4 * MIB));
        assert_eq!(find(Resource::Nofile), r(Resource::Nofile, 256, 256));
        assert_eq!(find(Resource::Core), r(Resource::Core, 0, 0));
        assert_eq!(rlimits.len(), 6);
    }

    #[test]
    fn the_cgroup_gets_the_run_memory_and_the_process_limit_with_headroom() {
        let cgroup = limits().cgroup();
        assert_eq!(cgroup, CgroupLimits { memory_bytes: 256 * MIB, max_pids: 64 + 8 });
        assert_eq!(limits().tmpfs_size(), 16 * MIB);
    }

    #[test]
    fn the_memory_sentence_counts_the_processes_killed_for_it() {
        let sentence = limits().hit_sentence(Limit::Memory, 5).expect("memory is named");
        assert_eq!(
            sentence,
            "메모리 제한(모든 프로세스 합계 256 MiB)에 걸렸습니다. 프로세스 5개가 강제 종료되었습니다."
        );
        assert_eq!(limits().hit_sentence(Limit::OpenFiles, 0), None);
    }

    #[test]
    fn the_wall_limit_is_named_in_whole_seconds() {
        let sentence = limits().hit_sentence(Limit::Wall, 0);
        assert_eq!(sentence.as_deref(), Some("실행 시간 제한(4초)을 넘겨 중지했습니다."));
    }
}
