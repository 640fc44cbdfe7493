-- A result's timelines (every worker's spans of work) apart from its numbers: pages that list
-- many runs (the class pages, the CSV) read the numbers only, and the spans are most of a
-- result's size. Results stored before this keep their workers inside `result`.
alter table run add column timelines text;  -- JSON: per variant, in order, its workers
