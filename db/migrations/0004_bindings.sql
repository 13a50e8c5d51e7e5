-- 0004_bindings: which card (user-authentication certificate) belongs to
-- which resident (registry/binding.c, docs/REGISTRY.md).
CREATE TABLE card_bindings (
	id bigserial PRIMARY KEY,
	resident_id text NOT NULL REFERENCES residents (resident_id),
	auth_issuer text NOT NULL CHECK (length(auth_issuer) BETWEEN 1 AND 255),
	auth_serial text NOT NULL CHECK (auth_serial ~ '^[0-9a-f]{1,64}$'),
	auth_cert bytea NOT NULL CHECK (length(auth_cert) BETWEEN 1 AND 4096),
	method text NOT NULL CHECK (method IN ('signature-certificate', 'witnessed')),
	sign_serial text CHECK (sign_serial ~ '^[0-9a-f]{1,64}$'),
	witness text CHECK (length(witness) BETWEEN 1 AND 128),
	bound_at text NOT NULL,
	status text NOT NULL CHECK (status IN ('active', 'suspended', 'replaced')),
	status_reason text NOT NULL DEFAULT '',
	audit_seq bigint NOT NULL REFERENCES audit_log (seq),
	CHECK ((method = 'witnessed') = (witness IS NOT NULL)),
	CHECK ((method = 'signature-certificate') = (sign_serial IS NOT NULL))
);
-- One active binding per certificate, and per resident.
CREATE UNIQUE INDEX card_bindings_active_cert ON card_bindings (auth_issuer, auth_serial)
	WHERE status = 'active';
CREATE UNIQUE INDEX card_bindings_active_resident ON card_bindings (resident_id)
	WHERE status = 'active';

-- Rows are never deleted; only status and its reason may change.
CREATE FUNCTION card_bindings_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'bindings are never deleted' USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF (NEW.id, NEW.resident_id, NEW.auth_issuer, NEW.auth_serial, NEW.auth_cert,
	    NEW.method, NEW.sign_serial, NEW.witness, NEW.bound_at)
	    IS DISTINCT FROM (OLD.id, OLD.resident_id, OLD.auth_issuer, OLD.auth_serial,
	    OLD.auth_cert, OLD.method, OLD.sign_serial, OLD.witness, OLD.bound_at) THEN
		RAISE EXCEPTION 'only a binding''s status may change' USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER card_bindings_guard BEFORE UPDATE OR DELETE ON card_bindings
	FOR EACH ROW EXECUTE FUNCTION card_bindings_guard();

GRANT SELECT ON card_bindings TO ippyo_server;
GRANT SELECT, INSERT, UPDATE ON card_bindings TO ippyo_admin;
GRANT USAGE ON SEQUENCE card_bindings_id_seq TO ippyo_admin;
