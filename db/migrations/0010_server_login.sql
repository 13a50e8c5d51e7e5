-- 0010_server_login: the server logs in as a role of its own that is a
-- member of ippyo_server and nothing else, never as the database owner
-- (whose UPDATE and DELETE on the ballot box only the triggers stop).
-- `ippyo migrate grant-server ROLE` calls this function; it runs with the
-- caller's rights, so only a role that may create roles (the owner or a
-- superuser) can use it, and PUBLIC may not call it at all.
CREATE FUNCTION ippyo_grant_server(role_name text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r pg_roles%ROWTYPE;
BEGIN
	IF role_name !~ '^[a-z_][a-z0-9_]{0,62}$' OR role_name LIKE 'pg\_%'
	    OR role_name IN ('ippyo_server', 'ippyo_admin', 'ippyo_observer') THEN
		RAISE EXCEPTION 'not a usable server login role name: %', role_name
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO r FROM pg_roles WHERE rolname = role_name;
	IF NOT FOUND THEN
		EXECUTE format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB '
		    'NOCREATEROLE NOREPLICATION NOBYPASSRLS', role_name);
	ELSIF r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication
	    OR r.rolbypassrls OR NOT r.rolcanlogin OR NOT r.rolinherit
	    OR EXISTS (SELECT 1 FROM pg_database WHERE datdba = r.oid)
	    OR EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
	        WHERE m.member = r.oid AND g.rolname <> 'ippyo_server') THEN
		RAISE EXCEPTION 'role % has more rights than the server may hold', role_name
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	EXECUTE format('GRANT ippyo_server TO %I', role_name);
	RETURN role_name;
END
$$;
REVOKE ALL ON FUNCTION ippyo_grant_server(text) FROM PUBLIC;
