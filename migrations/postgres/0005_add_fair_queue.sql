-- The queue serves class members before anonymous visitors and takes turns between learners:
-- `turn` is a run's round in that round-robin, given when it is queued (see `runs::queue`).
-- `code_bytes` caps the queue's stored code, `submitted_from` (the client's address, cleared
-- when the run finishes) caps anonymous runs per address.
alter table run add column turn bigint not null default 0;
alter table run add column code_bytes bigint not null default 0;
alter table run add column submitted_from text;

update run set code_bytes = octet_length(code) where status in ('queued', 'running');

create index run_waiting on run (status, learner_id, turn, code_bytes, submitted_from);
-- The round being served: the highest turn of a run that has left the queue.
create index run_turn on run (turn, status);

-- Learners created without a cookie, per client address: new learners are capped per hour.
create table learner_mint (
    address   text    not null,
    via_join  boolean not null,
    minted_at text    not null
);

create index learner_mint_key on learner_mint (address, via_join, minted_at);
