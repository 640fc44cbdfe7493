-- The twin of migrations/postgres/0009 (a trigger that announces each change of a run's status
-- to web nodes on other hosts). A SQLite store has one process, which hears its own workers:
-- nothing to announce, so nothing changes here.
select 1;
