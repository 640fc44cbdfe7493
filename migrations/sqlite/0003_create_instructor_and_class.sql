-- Instructors sign up with an email and a password; only its argon2 hash (a PHC string) is kept.
create table instructor (
    instructor_id integer primary key,
    email         text    not null unique,      -- trimmed and lowercased
    display_name  text    not null,
    password_hash text    not null,
    created_at    text    not null
) strict;

-- A signed-in instructor's browser: only the SHA-256 of the cookie's token is stored.
create table instructor_session (
    token_hash    blob    primary key,
    instructor_id integer not null references instructor (instructor_id) on delete cascade,
    created_at    text    not null,
    expires_at    text    not null
) strict, without rowid;

create index instructor_session_instructor on instructor_session (instructor_id);

-- Failed logins per email and client address: the login rate limit counts them over a window.
create table login_failure (
    email     text not null,
    address   text not null,
    failed_at text not null
) strict;

create index login_failure_key on login_failure (email, address, failed_at);

-- A class belongs to one instructor; learners join it with its code.
create table class (
    class_id      integer primary key,
    instructor_id integer not null references instructor (instructor_id),
    name          text    not null,
    join_code     text    not null unique,
    created_at    text    not null,
    archived_at   text
) strict;

create index class_instructor on class (instructor_id, created_at);

-- A learner in a class, under the name they chose (unique within the class, so nobody is
-- mistaken for someone else on the instructor's roster).
create table class_member (
    class_id     integer not null references class (class_id),
    learner_id   integer not null references learner (learner_id),
    display_name text    not null collate nocase,
    joined_at    text    not null,
    primary key (class_id, learner_id)
) strict, without rowid;

create unique index class_member_name on class_member (class_id, display_name);
create index class_member_learner on class_member (learner_id);

-- Further browsers of a learner, bound with their resume code (the first is `learner.token_hash`).
create table learner_device (
    token_hash blob    primary key,
    learner_id integer not null references learner (learner_id),
    created_at text    not null
) strict, without rowid;

-- At most one resume code per learner, shown once; only its SHA-256 is kept.
create table resume_code (
    learner_id integer primary key references learner (learner_id),
    code_hash  blob    not null unique,
    created_at text    not null
) strict;

-- Class pages count runs per learner, experiment and status without reading the rows (whose
-- code and result spill onto overflow pages), and find a learner's latest successful run of
-- an experiment in one probe.
create index run_learner_activity on run (learner_id, experiment, status, submitted_at);
