-- A class demo (peer instruction): the instructor opens one experiment for the class, the
-- learners predict on their devices, the instructor runs it once, and everyone sees the
-- measurement against the class's predictions; then it is opened for everyone to run.
-- `phase` moves predicting → running → measured → opened, or to closed from any of the first
-- three. The demo run belongs to `runner_id`, the class's demo learner (never a member, so it
-- stays off the roster); the queue serves that learner like a class member.
create table class_demo (
    demo_id     integer primary key,
    class_id    integer not null references class (class_id),
    experiment  text    not null,
    phase       text    not null default 'predicting'
        check (phase in ('predicting', 'running', 'measured', 'opened', 'closed')),
    runner_id   integer not null references learner (learner_id),
    run_id      text    references run (run_id),
    opened_at   text    not null,
    run_at      text,
    measured_at text,
    ended_at    text
) strict;

-- At most one demo in progress per class.
create unique index class_demo_current on class_demo (class_id)
    where phase in ('predicting', 'running', 'measured');
create index class_demo_experiment on class_demo (class_id, experiment, demo_id);
-- The queue asks per waiting run whether its learner is a demo's runner.
create index class_demo_runner on class_demo (runner_id);
create index class_demo_run on class_demo (run_id);

-- A learner's prediction for a demo: one per learner, changed freely until the run starts.
create table demo_prediction (
    demo_id      integer not null references class_demo (demo_id),
    learner_id   integer not null references learner (learner_id),
    prediction   text    not null,             -- JSON, a `runs::prediction::Prediction`
    predicted_at text    not null,
    primary key (demo_id, learner_id)
) strict, without rowid;
