-- 0008_tally: early-voting stations' closure, the tally's runs, the
-- trustees' decryption shares and the published results (tally/;
-- docs/TALLY.md, docs/PROTOCOL-record.md).  Everything is write-once.

-- The stations an election's early voting uses, and their confirmed
-- closure.  The tally refuses to start while a station (registered here
-- or named by an admission) has not confirmed.  The gate work will write
-- these; until then `ippyo tally station`.
CREATE TABLE stations (
	election_id text NOT NULL REFERENCES elections (election_id),
	station text NOT NULL CHECK (station ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
	registered_at text NOT NULL,
	PRIMARY KEY (election_id, station)
);

CREATE TABLE station_closures (
	election_id text NOT NULL,
	station text NOT NULL,
	closed_at text NOT NULL,
	PRIMARY KEY (election_id, station),
	FOREIGN KEY (election_id, station) REFERENCES stations (election_id, station)
);

-- One tally per election: the frozen box (final checkpoint position and
-- code), the counted set's size and the aggregates (tally.json of the
-- record), written once when the tally starts.
CREATE TABLE tally_runs (
	election_id text PRIMARY KEY REFERENCES elections (election_id),
	started_at text NOT NULL,
	final_position bigint NOT NULL CHECK (final_position >= 0),
	final_tracking bytea NOT NULL CHECK (length(final_tracking) = 32),
	ballots_counted bigint NOT NULL CHECK (ballots_counted >= 0),
	counted bytea NOT NULL,
	aggregates bytea NOT NULL,
	box_key bytea NOT NULL CHECK (length(box_key) = 32),
	committee_key bytea NOT NULL CHECK (length(committee_key) = 32)
);

-- A trustee's decryption shares (decryption/trustee-NN.json as posted),
-- stored once each share was checked against the trustee's verification
-- key and the aggregates.
CREATE TABLE tally_shares (
	election_id text NOT NULL REFERENCES tally_runs (election_id),
	trustee integer NOT NULL CHECK (trustee BETWEEN 1 AND 32),
	shares bytea NOT NULL,
	posted_at text NOT NULL,
	PRIMARY KEY (election_id, trustee)
);

-- The published result (results.json), once.
CREATE TABLE tally_results (
	election_id text PRIMARY KEY REFERENCES tally_runs (election_id),
	trustees integer[] NOT NULL,
	results bytea NOT NULL,
	published_at text NOT NULL
);

CREATE TRIGGER stations_append_only BEFORE UPDATE OR DELETE ON stations
	FOR EACH ROW EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER station_closures_append_only BEFORE UPDATE OR DELETE ON station_closures
	FOR EACH ROW EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER tally_runs_append_only BEFORE UPDATE OR DELETE ON tally_runs
	FOR EACH ROW EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER tally_shares_append_only BEFORE UPDATE OR DELETE ON tally_shares
	FOR EACH ROW EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER tally_results_append_only BEFORE UPDATE OR DELETE ON tally_results
	FOR EACH ROW EXECUTE FUNCTION box_refuse_change();
CREATE TRIGGER stations_no_truncate BEFORE TRUNCATE ON stations
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER station_closures_no_truncate BEFORE TRUNCATE ON station_closures
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER tally_runs_no_truncate BEFORE TRUNCATE ON tally_runs
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER tally_shares_no_truncate BEFORE TRUNCATE ON tally_shares
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER tally_results_no_truncate BEFORE TRUNCATE ON tally_results
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

GRANT SELECT, INSERT ON stations, station_closures, tally_runs, tally_shares,
	tally_results TO ippyo_admin;
GRANT SELECT ON stations, station_closures, tally_runs, tally_shares,
	tally_results TO ippyo_observer;
