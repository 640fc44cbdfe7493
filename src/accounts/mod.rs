//! Who is asking: anonymous learners (a cookie), later instructors and classes.

pub mod access;
pub mod learner;
