-- How much work a run asked for, relative to its experiment's defaults: the queue's estimate
-- scales recent durations by it.
alter table run add column size double precision not null default 1.0;
