-- A result's timelines (every worker's spans of work) apart from its numbers: pages that list
-- many runs (the class pages, the CSV) read the numbers only.
alter table run add column timelines jsonb;  -- per variant, in order, its workers
