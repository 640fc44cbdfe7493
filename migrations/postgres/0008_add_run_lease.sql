-- Who executes a running run, and until when: see migrations/sqlite/0008.
alter table run add column lease_owner text;   -- host:pid:slot of the worker holding it
alter table run add column lease_until text;   -- RFC 3339, UTC
alter table run add column worker_host text;
alter table run add column worker_cpus text;   -- the CPU list it was pinned to, if any

-- The lease sweep looks for running runs whose lease ran out.
create index run_lease on run (status, lease_until);
