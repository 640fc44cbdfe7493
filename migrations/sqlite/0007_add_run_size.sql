-- How much work a run asked for, relative to its experiment's defaults (the product of its
-- [cost] grows_with parameters' ratios): the queue's estimate scales recent durations by it.
alter table run add column size real not null default 1.0;
