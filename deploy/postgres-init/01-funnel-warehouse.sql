-- Run once, by the PostgreSQL superuser, when the server is first created (docker-compose mounts this
-- folder at /docker-entrypoint-initdb.d). It needs these psql variables or environment variables:
--   loader_user / FUNNEL_LOADER_USER        the role the pipeline writes with (owns the funnel schema)
--   loader_password / FUNNEL_LOADER_PASSWORD
--   bi_password / FUNNEL_BI_PASSWORD        password of the read-only role `funnel_bi` for BI tools
--   warehouse_db / FUNNEL_WAREHOUSE_DB      the database of the output tables
--   dagster_db / DAGSTER_PG_DB              the database of Dagster's own run history
\set ON_ERROR_STOP on
\getenv loader_user FUNNEL_LOADER_USER
\getenv loader_password FUNNEL_LOADER_PASSWORD
\getenv bi_password FUNNEL_BI_PASSWORD
\getenv warehouse_db FUNNEL_WAREHOUSE_DB
\getenv dagster_db DAGSTER_PG_DB

-- two databases: the output tables BI tools read, and Dagster's own tables they must never see
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'loader_user', :'loader_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'loader_user') \gexec
SELECT format('CREATE ROLE funnel_bi LOGIN PASSWORD %L', :'bi_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'funnel_bi') \gexec
-- a BI session must not hold a table for long: each table swap needs it to itself, and every
-- dashboard query queues behind a waiting swap. A query runs at most 2 minutes, and a transaction
-- left open and idle (a tool or person that ran BEGIN and walked away) is ended after 1 minute.
ALTER ROLE funnel_bi SET statement_timeout = '2min';
ALTER ROLE funnel_bi SET idle_in_transaction_session_timeout = '1min';
-- when a swap gives up, the loader names the session in its way, with its state and since when:
-- pg_stat_activity shows those of another role's session only to pg_read_all_stats (the message never quotes a query)
SELECT format('GRANT pg_read_all_stats TO %I', :'loader_user') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'warehouse_db', :'loader_user')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'warehouse_db') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'dagster_db', :'loader_user')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dagster_db') \gexec

SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'dagster_db') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'warehouse_db') \gexec
-- every role may connect to any database that keeps PostgreSQL's default (CONNECT for PUBLIC): the
-- server's own `postgres` and `template1` do. The BI role reaches only the warehouse. (template0
-- takes no connections; a database created later on this server must be closed the same way:
-- see the README's Production section.)
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
SELECT format('GRANT CONNECT ON DATABASE %I TO funnel_bi', :'warehouse_db') \gexec

\connect :warehouse_db
SELECT format('CREATE SCHEMA IF NOT EXISTS funnel AUTHORIZATION %I', :'loader_user') \gexec
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA funnel TO funnel_bi;
GRANT SELECT ON ALL TABLES IN SCHEMA funnel TO funnel_bi;
-- every table the pipeline creates later (each run swaps in new tables) is readable by funnel_bi
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA funnel GRANT SELECT ON TABLES TO funnel_bi', :'loader_user') \gexec
