-- Every change of a run's status (claimed, finished, queued again, cancelled) is announced on
-- the channel `run_changed` with the run's id, from whichever host made it: web nodes that
-- watch the run read the row then (the payload is only the id; the table says the rest).
create function notify_run_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('run_changed', new.run_id);
    return null;
end;
$$;

create trigger run_changed after update of status on run
    for each row when (old.status is distinct from new.status)
    execute function notify_run_changed();
