-- A learner is an anonymous browser session until they join a class.
create table learner (
    learner_id   integer primary key,
    token_hash   blob    not null unique,
    display_name text,
    created_at   text    not null,
    last_seen_at text    not null
) strict;
