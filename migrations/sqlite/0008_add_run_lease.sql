-- Who executes a running run, and until when: a worker (one of a host's slots) holds a lease it
-- renews while the run executes; a run whose lease ran out lost its worker (a crash, a host
-- gone) and is queued again, or failed after repeated losses. `worker_host` and `worker_cpus`
-- stay after the run, to say where it was measured.
alter table run add column lease_owner text;   -- host:pid:slot of the worker holding it
alter table run add column lease_until text;   -- RFC 3339, UTC
alter table run add column worker_host text;
alter table run add column worker_cpus text;   -- the CPU list it was pinned to, if any

create index run_lease on run (status, lease_until);
