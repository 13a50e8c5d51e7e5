-- 0006_hardening: what a review of the first schema found open.
--
-- 1. A frozen roll cannot grow: an entry may be inserted only while its
--    roll row does not exist yet, i.e. inside the freezing transaction
--    (registry/roll.c inserts the entries, then the roll row; the foreign
--    key is checked at commit).
-- 2. TRUNCATE is refused on every append-only or write-once table.
-- 3. The server role keeps only what it uses.

ALTER TABLE roll_entries DROP CONSTRAINT roll_entries_election_id_fkey;
ALTER TABLE roll_entries ADD CONSTRAINT roll_entries_election_id_fkey
	FOREIGN KEY (election_id) REFERENCES rolls (election_id)
	DEFERRABLE INITIALLY DEFERRED;

CREATE FUNCTION roll_entries_only_while_freezing() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM rolls WHERE election_id = NEW.election_id) THEN
		RAISE EXCEPTION 'roll % is frozen', NEW.election_id
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER roll_entries_frozen_insert BEFORE INSERT ON roll_entries
	FOR EACH ROW EXECUTE FUNCTION roll_entries_only_while_freezing();

CREATE FUNCTION refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% cannot be truncated', TG_TABLE_NAME
		USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER admissions_no_truncate BEFORE TRUNCATE ON admissions
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON box_checkpoints
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER card_bindings_no_truncate BEFORE TRUNCATE ON card_bindings
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER elections_no_truncate BEFORE TRUNCATE ON elections
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

REVOKE SELECT ON residents FROM ippyo_server;
REVOKE INSERT ON audit_log, audit_checkpoints FROM ippyo_server;
REVOKE INSERT ON admissions FROM ippyo_server;
