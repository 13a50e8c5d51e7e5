-- 0001_roles: the roles every later migration grants to.
--
-- ippyo_server  the HTTP server: reads what it serves, INSERTs ballots,
--               nonces and admissions; never UPDATE/DELETE on the ballot
--               box or the audit log (later migrations grant per table).
-- ippyo_admin   the committee CLI: roll, elections, ceremony, tally.
-- ippyo_observer read-only access to public tables.
--
-- Roles are cluster-wide, so they are created only when missing: several
-- databases of one cluster (tests) share them.  NOLOGIN: deployments grant
-- membership to their own login roles.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ippyo_server') THEN
		CREATE ROLE ippyo_server NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ippyo_admin') THEN
		CREATE ROLE ippyo_admin NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ippyo_observer') THEN
		CREATE ROLE ippyo_observer NOLOGIN;
	END IF;
END
$$;

-- Nothing is readable by default; each table grants what it needs.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ippyo_server, ippyo_admin, ippyo_observer;
GRANT SELECT ON schema_migrations TO ippyo_admin, ippyo_observer;
