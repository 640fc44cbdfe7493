//! Who is asking and what they may see: anonymous learners (a cookie), instructors (a session),
//! classes and their members, and the reports an instructor reads about a class.

pub mod access;
pub mod class;
pub mod class_insight;
pub mod class_runs;
pub mod code_filter;
pub mod demo;
pub mod fields;
pub mod guess_limit;
pub mod instructor;
pub mod learner;
pub mod login_limit;
pub mod membership;
pub mod newcomer;
pub mod password;
pub mod reading;
pub mod roster;
pub mod secret;
pub mod session;
