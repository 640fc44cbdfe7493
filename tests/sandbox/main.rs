//! The real sandbox against hostile programs: each test runs as a uid of its own and checks that
//! the attack was contained, how the run ended, which limit it named, and that nothing is left.
//! Needs root (as CI has): the launcher drops from root to the sandbox uid.

mod escapes;
mod limits;
mod masks;
mod server;
mod slots;
mod support;
mod syscalls;
mod watch;
mod works;
