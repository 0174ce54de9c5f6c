#!/bin/sh
# Runs once, when the Postgres volume is first initialised (/docker-entrypoint-initdb.d): one database
# per service that has one (APP_DATABASES, space-separated; docker-compose.yml lists them).
set -eu
for database in ${APP_DATABASES}; do
  echo "creating database ${database}"
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -c "CREATE DATABASE \"${database}\""
done
