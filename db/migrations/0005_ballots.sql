-- 0005_ballots: elections, the chained ballot box, receipts' checkpoints,
-- in-person admissions (ballot/; docs/PROTOCOL-ballot.md).
CREATE TABLE elections (
	election_id text PRIMARY KEY CHECK (election_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
	manifest bytea NOT NULL CHECK (length(manifest) BETWEEN 1 AND 1048576),
	municipality_code text NOT NULL CHECK (municipality_code ~ '^[0-9]{6}$'),
	election_day date NOT NULL,
	reference_date date NOT NULL,
	opens_us bigint NOT NULL,
	closes_us bigint NOT NULL CHECK (closes_us > opens_us),
	state text NOT NULL CHECK (state IN ('draft', 'roll_frozen', 'keys_ready',
	    'open', 'closed', 'tallied')),
	public_key bytea CHECK (length(public_key) = 65),
	test_single_key boolean NOT NULL DEFAULT false,
	context_hash bytea CHECK (length(context_hash) = 32),
	CHECK ((state IN ('draft', 'roll_frozen')) = (public_key IS NULL)),
	CHECK ((public_key IS NULL) = (context_hash IS NULL))
);

-- The state may only move forward, one step at a time; nothing else changes
-- once the election has left draft, except the key (set at keys_ready).
CREATE FUNCTION elections_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	steps text[] := ARRAY['draft', 'roll_frozen', 'keys_ready', 'open', 'closed', 'tallied'];
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'elections are never deleted' USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF array_position(steps, NEW.state) NOT IN (array_position(steps, OLD.state),
	    array_position(steps, OLD.state) + 1) THEN
		RAISE EXCEPTION 'election state % cannot follow %', NEW.state, OLD.state
			USING ERRCODE = 'check_violation';
	END IF;
	IF (NEW.election_id, NEW.manifest, NEW.municipality_code, NEW.election_day,
	    NEW.reference_date, NEW.opens_us, NEW.closes_us)
	    IS DISTINCT FROM (OLD.election_id, OLD.manifest, OLD.municipality_code,
	    OLD.election_day, OLD.reference_date, OLD.opens_us, OLD.closes_us) OR
	    (OLD.public_key IS NOT NULL AND (NEW.public_key, NEW.context_hash,
	    NEW.test_single_key) IS DISTINCT FROM (OLD.public_key, OLD.context_hash,
	    OLD.test_single_key)) THEN
		RAISE EXCEPTION 'an election''s definition and key never change'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER elections_guard BEFORE UPDATE OR DELETE ON elections
	FOR EACH ROW EXECUTE FUNCTION elections_guard();

-- The ballot box: one row per cast ballot, chained by tracking codes.
-- voter_resident_id is the private column: the public board uses alias.
CREATE TABLE ballots (
	election_id text NOT NULL REFERENCES elections (election_id),
	position bigint NOT NULL CHECK (position > 0),
	alias text NOT NULL CHECK (alias ~ '^[0-9a-f]{32}$'),
	voter_resident_id text NOT NULL,
	ballot bytea NOT NULL,
	ballot_hash bytea NOT NULL CHECK (length(ballot_hash) = 32),
	prev_tracking bytea NOT NULL CHECK (length(prev_tracking) = 32),
	tracking_code bytea NOT NULL CHECK (length(tracking_code) = 32),
	received_at text NOT NULL,
	PRIMARY KEY (election_id, position),
	UNIQUE (election_id, ballot_hash),
	UNIQUE (tracking_code)
);
CREATE INDEX ballots_voter ON ballots (election_id, voter_resident_id);

-- A ballot superseded by a later one of the same voter (re-voting), or
-- cancelled by an in-person admission.  Append-only, like the box.
CREATE TABLE ballot_superseded (
	election_id text NOT NULL,
	position bigint NOT NULL,
	by_position bigint,
	reason text NOT NULL CHECK (reason IN ('revote', 'admitted_in_person')),
	PRIMARY KEY (election_id, position),
	FOREIGN KEY (election_id, position) REFERENCES ballots (election_id, position)
);

-- Signed checkpoints of the box's chain head (Ed25519, tag box-checkpoint).
CREATE TABLE box_checkpoints (
	election_id text NOT NULL REFERENCES elections (election_id),
	position bigint NOT NULL,
	tracking_code bytea NOT NULL CHECK (length(tracking_code) = 32),
	at text NOT NULL,
	final boolean NOT NULL DEFAULT false,
	public_key bytea NOT NULL CHECK (length(public_key) = 32),
	signature bytea NOT NULL CHECK (length(signature) = 64),
	PRIMARY KEY (election_id, position, at)
);

-- Voters admitted in person (early-voting gates): once per election.
CREATE TABLE admissions (
	election_id text NOT NULL REFERENCES elections (election_id),
	resident_id text NOT NULL,
	station text NOT NULL CHECK (length(station) BETWEEN 1 AND 128),
	admitted_at text NOT NULL,
	PRIMARY KEY (election_id, resident_id)
);

CREATE FUNCTION box_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the ballot box is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER ballots_append_only BEFORE UPDATE OR DELETE ON ballots
	FOR EACH ROW EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER ballots_no_truncate BEFORE TRUNCATE ON ballots
	FOR EACH STATEMENT EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER superseded_append_only BEFORE UPDATE OR DELETE ON ballot_superseded
	FOR EACH ROW EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER superseded_no_truncate BEFORE TRUNCATE ON ballot_superseded
	FOR EACH STATEMENT EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON box_checkpoints
	FOR EACH ROW EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER admissions_append_only BEFORE UPDATE OR DELETE ON admissions
	FOR EACH ROW EXECUTE FUNCTION box_refuse_change();

GRANT SELECT ON elections TO ippyo_server, ippyo_observer;
GRANT SELECT, INSERT, UPDATE ON elections TO ippyo_admin;
GRANT SELECT, INSERT ON ballots, ballot_superseded, box_checkpoints, admissions TO ippyo_server;
GRANT SELECT ON ballots, ballot_superseded, box_checkpoints, admissions TO ippyo_admin;
-- Observers see the box without the private column.
GRANT SELECT (election_id, position, alias, ballot, ballot_hash, prev_tracking,
	tracking_code, received_at) ON ballots TO ippyo_observer;
GRANT SELECT ON ballot_superseded, box_checkpoints TO ippyo_observer;
