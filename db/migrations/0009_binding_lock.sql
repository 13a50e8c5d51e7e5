-- 0009_binding_lock: a binding's status changes exclusively against the
-- ballot box's re-check (ballot/box.c append_locked takes the same
-- advisory lock shared; registry/binding.h binding_lock_shared).  A
-- suspension or replacement either commits before an append re-checks
-- the binding, and the ballot is refused, or waits until the ballot is
-- committed: no ballot is stored for a binding suspended before it.
CREATE FUNCTION card_bindings_status_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status IS DISTINCT FROM OLD.status THEN
		PERFORM pg_advisory_xact_lock(hashtextextended('ippyo-bindings', 0));
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER card_bindings_status_lock BEFORE UPDATE OF status ON card_bindings
	FOR EACH ROW EXECUTE FUNCTION card_bindings_status_lock();
