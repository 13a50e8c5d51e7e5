-- 0003_registry: residents, frozen electoral rolls, authentication nonces
-- (registry/).  Formats and rules: docs/REGISTRY.md.

-- The resident register extract, as last imported (registry/resident.c).
CREATE TABLE residents (
	resident_id text PRIMARY KEY CHECK (resident_id ~ '^[0-9A-Za-z-]{1,32}$'),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
	name_kana text NOT NULL CHECK (length(name_kana) BETWEEN 1 AND 256),
	address text NOT NULL CHECK (length(address) BETWEEN 1 AND 512),
	municipality_code text NOT NULL CHECK (municipality_code ~ '^[0-9]{6}$'),
	date_of_birth date NOT NULL,
	sex smallint NOT NULL CHECK (sex IN (0, 1, 2, 9)),
	nationality text NOT NULL CHECK (nationality ~ '^[A-Z]{2}$'),
	resident_since date NOT NULL CHECK (resident_since >= date_of_birth),
	status text NOT NULL CHECK (status IN ('active', 'moved_out', 'deceased', 'deleted')),
	status_date date CHECK (status_date IS NULL OR status_date >= resident_since),
	import_seq bigint NOT NULL REFERENCES audit_log (seq),
	CHECK ((status = 'active') = (status_date IS NULL))
);
CREATE INDEX residents_municipality ON residents (municipality_code);

-- A roll (選挙人名簿) frozen for one election: who may vote, fixed once.
CREATE TABLE rolls (
	election_id text PRIMARY KEY CHECK (election_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
	municipality_code text NOT NULL CHECK (municipality_code ~ '^[0-9]{6}$'),
	election_day date NOT NULL,
	reference_date date NOT NULL CHECK (reference_date <= election_day),
	frozen_at text NOT NULL,
	entries integer NOT NULL CHECK (entries >= 0),
	digest bytea NOT NULL CHECK (length(digest) = 32),
	audit_seq bigint NOT NULL REFERENCES audit_log (seq)
);

-- One voter of a frozen roll, with the data as of the freeze and the
-- per-election alias the public board shows instead of the identity.
CREATE TABLE roll_entries (
	election_id text NOT NULL REFERENCES rolls (election_id),
	resident_id text NOT NULL REFERENCES residents (resident_id),
	alias text NOT NULL CHECK (alias ~ '^[0-9a-f]{32}$'),
	name text NOT NULL,
	name_kana text NOT NULL,
	address text NOT NULL,
	date_of_birth date NOT NULL,
	sex smallint NOT NULL,
	PRIMARY KEY (election_id, resident_id),
	UNIQUE (election_id, alias)
);

CREATE FUNCTION registry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'a frozen roll cannot change'
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER rolls_frozen BEFORE UPDATE OR DELETE ON rolls
	FOR EACH ROW EXECUTE FUNCTION registry_refuse_change();
CREATE TRIGGER roll_entries_frozen BEFORE UPDATE OR DELETE ON roll_entries
	FOR EACH ROW EXECUTE FUNCTION registry_refuse_change();
CREATE TRIGGER rolls_no_truncate BEFORE TRUNCATE ON rolls
	FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_change();
CREATE TRIGGER roll_entries_no_truncate BEFORE TRUNCATE ON roll_entries
	FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_change();

-- Server nonces for card authentication: single use, short-lived.
CREATE TABLE auth_nonces (
	nonce bytea PRIMARY KEY CHECK (length(nonce) = 32),
	purpose text NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
	expires_us bigint NOT NULL
);
CREATE INDEX auth_nonces_expiry ON auth_nonces (expires_us);

GRANT SELECT ON residents, rolls, roll_entries TO ippyo_server;
GRANT SELECT, INSERT, UPDATE ON residents TO ippyo_admin;
GRANT SELECT, INSERT ON rolls, roll_entries TO ippyo_admin;
GRANT SELECT, INSERT, DELETE ON auth_nonces TO ippyo_server;
