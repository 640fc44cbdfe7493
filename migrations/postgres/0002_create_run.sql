-- A run is one execution of an experiment; its status column is also the queue.
-- `rowid` is SQLite's implicit insertion order, made explicit: the queries order by it in both.
create table run (
    run_id         text    primary key,
    rowid          bigint  generated always as identity unique,
    learner_id     bigint  not null references learner (learner_id),
    experiment     text    not null,
    params         jsonb   not null,            -- validated against the catalogue
    code           text    not null,
    code_edited    boolean not null,
    prediction     jsonb,                       -- as the learner gave it
    explanation    text,
    status         text    not null default 'queued'
        check (status in ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled')),
    cancel_requested boolean not null default false,
    attempts       bigint  not null default 0,
    reason         text,
    exit_code      bigint,
    stdout         text    not null default '',
    stderr         text    not null default '',
    result         jsonb,                       -- built from the harness records
    runtime        text,                        -- JSON: interpreter and sandbox facts
    submitted_at   text    not null,
    started_at     text,
    finished_at    text
);

-- Claiming takes the oldest queued run; the learner's pages list their runs newest first.
create index run_queue on run (status, submitted_at);
create index run_learner on run (learner_id, submitted_at);
