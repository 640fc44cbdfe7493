-- A run is one execution of an experiment; its status column is also the queue.
create table run (
    run_id         text    primary key,
    learner_id     integer not null references learner (learner_id),
    experiment     text    not null,
    params         text    not null,            -- JSON object, validated against the catalogue
    code           text    not null,
    code_edited    integer not null check (code_edited in (0, 1)),
    prediction     text,                        -- JSON, as the learner gave it
    explanation    text,
    status         text    not null default 'queued'
        check (status in ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled')),
    cancel_requested integer not null default 0 check (cancel_requested in (0, 1)),
    attempts       integer not null default 0,
    reason         text,
    exit_code      integer,
    stdout         text    not null default '',
    stderr         text    not null default '',
    result         text,                        -- JSON built from the harness records
    runtime        text,                        -- JSON: interpreter and sandbox facts
    submitted_at   text    not null,
    started_at     text,
    finished_at    text
) strict;

-- Claiming takes the oldest queued run; the learner's pages list their runs newest first.
create index run_queue on run (status, submitted_at);
create index run_learner on run (learner_id, submitted_at);
