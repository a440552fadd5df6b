-- Database-per-service: one database each, created on the PostgreSQL container's first start
-- (docker-entrypoint-initdb.d runs this as POSTGRES_USER). Schemas come from each service's
-- own Alembic history, applied by the compose `migrate` job.
CREATE DATABASE identity;
CREATE DATABASE assurance;
CREATE DATABASE procurement;
CREATE DATABASE market;
