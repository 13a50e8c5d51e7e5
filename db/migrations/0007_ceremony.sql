-- 0007_ceremony: the trustee key ceremony as the committee relays it
-- (tally/ceremony.c; docs/PROTOCOL-ceremony.md).  Everything here is
-- public data (public messages, encrypted and signed shares, complaints),
-- append-only: nothing is ever updated or deleted, a restarted ceremony is
-- a new attempt.
CREATE TABLE ceremonies (
	election_id text NOT NULL REFERENCES elections (election_id),
	attempt integer NOT NULL CHECK (attempt BETWEEN 1 AND 1000),
	n integer NOT NULL CHECK (n BETWEEN 2 AND 32),
	k integer NOT NULL CHECK (k >= 2 AND n >= 2 * k - 1),
	context bytea NOT NULL CHECK (length(context) = 32),
	started_at text NOT NULL,
	PRIMARY KEY (election_id, attempt)
);

-- One row per accepted post, in the order they arrived (seq within the
-- attempt).  recipient is 0 for a public message; for a complaint sender
-- is the complainer and recipient the accused.  justified: complaints only.
CREATE TABLE ceremony_messages (
	election_id text NOT NULL,
	attempt integer NOT NULL,
	seq integer NOT NULL CHECK (seq >= 1),
	kind text NOT NULL CHECK (kind IN ('public', 'share', 'complaint')),
	sender integer NOT NULL CHECK (sender BETWEEN 1 AND 32),
	recipient integer NOT NULL CHECK (recipient BETWEEN 0 AND 32),
	body bytea NOT NULL CHECK (length(body) BETWEEN 1 AND 65536),
	justified boolean,
	posted_at text NOT NULL,
	PRIMARY KEY (election_id, attempt, seq),
	UNIQUE (election_id, attempt, kind, sender, recipient),
	CHECK ((kind = 'public') = (recipient = 0)),
	CHECK ((kind = 'complaint') = (justified IS NOT NULL)),
	FOREIGN KEY (election_id, attempt) REFERENCES ceremonies (election_id, attempt)
);

-- The finished ceremony: at most one per election.
CREATE TABLE ceremony_results (
	election_id text PRIMARY KEY,
	attempt integer NOT NULL,
	qualified integer[] NOT NULL,
	public_key bytea NOT NULL CHECK (length(public_key) = 65),
	finished_at text NOT NULL,
	FOREIGN KEY (election_id, attempt) REFERENCES ceremonies (election_id, attempt)
);

CREATE FUNCTION ceremony_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER ceremonies_append_only BEFORE UPDATE OR DELETE ON ceremonies
	FOR EACH ROW EXECUTE FUNCTION ceremony_refuse_change();
CREATE TRIGGER ceremonies_no_truncate BEFORE TRUNCATE ON ceremonies
	FOR EACH STATEMENT EXECUTE FUNCTION ceremony_refuse_change();
CREATE TRIGGER ceremony_messages_append_only BEFORE UPDATE OR DELETE ON ceremony_messages
	FOR EACH ROW EXECUTE FUNCTION ceremony_refuse_change();
CREATE TRIGGER ceremony_messages_no_truncate BEFORE TRUNCATE ON ceremony_messages
	FOR EACH STATEMENT EXECUTE FUNCTION ceremony_refuse_change();
CREATE TRIGGER ceremony_results_append_only BEFORE UPDATE OR DELETE ON ceremony_results
	FOR EACH ROW EXECUTE FUNCTION ceremony_refuse_change();
CREATE TRIGGER ceremony_results_no_truncate BEFORE TRUNCATE ON ceremony_results
	FOR EACH STATEMENT EXECUTE FUNCTION ceremony_refuse_change();

GRANT SELECT, INSERT ON ceremonies, ceremony_messages, ceremony_results TO ippyo_admin;
GRANT SELECT ON ceremonies, ceremony_messages, ceremony_results TO ippyo_observer;
