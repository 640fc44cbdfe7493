-- Lessons a learner opened. A lesson without experiments has nothing to run, so opening it is
-- what counts as having done it on the index.
create table lesson_read (
    learner_id integer not null references learner (learner_id) on delete cascade,
    lesson text not null,
    read_at text not null,
    primary key (learner_id, lesson)
) strict;
