-- 0002_audit: the hash-chained log of administrative acts (audit/log.c).
--
-- Each row's hash covers its sequence number, the previous row's hash and
-- every field (docs/PROTOCOL-audit.md), so a changed, dropped or reordered
-- row breaks the chain.  The table is append-only twice over: no role is
-- granted UPDATE, DELETE or TRUNCATE, and triggers refuse them even for
-- the owner.
CREATE TABLE audit_log (
	seq bigint PRIMARY KEY CHECK (seq > 0),
	at text NOT NULL CHECK (at ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$'),
	actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 128),
	action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.-]{0,63}$'),
	object text NOT NULL CHECK (length(object) BETWEEN 1 AND 256),
	detail text NOT NULL CHECK (length(detail) <= 4096),
	prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
	hash bytea NOT NULL UNIQUE CHECK (length(hash) = 32)
);

-- Signed checkpoints of the chain head (Ed25519, tag "audit-checkpoint").
CREATE TABLE audit_checkpoints (
	seq bigint PRIMARY KEY REFERENCES audit_log (seq),
	hash bytea NOT NULL CHECK (length(hash) = 32),
	at text NOT NULL,
	public_key bytea NOT NULL CHECK (length(public_key) = 32),
	signature bytea NOT NULL CHECK (length(signature) = 64)
);

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit tables are append-only'
		USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

GRANT SELECT, INSERT ON audit_log, audit_checkpoints TO ippyo_server, ippyo_admin;
GRANT SELECT ON audit_log, audit_checkpoints TO ippyo_observer;
