#!/bin/sh
# bench/postgres.sh starts a PostgreSQL cluster of its own for the load test, from
# Debian's postgresql package, and prints the URL to give bench/load's -db:
#
#   url=$(sh bench/postgres.sh start /tmp/signpost-pg 55432)
#   go run -tags sqlite_fts5 ./bench/load -db "$url"
#   sh bench/postgres.sh stop /tmp/signpost-pg
#
# The cluster keeps PostgreSQL's durable defaults (fsync, synchronous commit), as a
# production server would, listens on 127.0.0.1 only, and lives in DIR, which later
# runs reuse (with the articles the first run generated). PostgreSQL will not run as
# root: as root it runs as the postgres user.
set -eu
cmd=${1:?usage: postgres.sh start|stop DIR [PORT]}
dir=${2:?usage: postgres.sh start|stop DIR [PORT]}
port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL's server binaries are not installed (apt-get install postgresql)" >&2; exit 1; }
run=
if [ "$(id -u)" -eq 0 ]; then
	run="runuser -u postgres --"
fi
case $cmd in
start)
	mkdir -p "$dir"
	[ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		$run "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >&2
	fi
	# 1 GB of shared buffers holds the 100,000 articles' tables and indexes, as
	# SQLite's page caches and the OS's file cache do for the SQLite runs.
	$run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=1GB" start >&2
	$run "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'signpost_bench'" | grep -q 1 ||
		$run "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres signpost_bench
	echo "postgres://postgres@127.0.0.1:$port/signpost_bench?sslmode=disable"
	;;
stop)
	$run "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2
	;;
*)
	echo "usage: postgres.sh start|stop DIR [PORT]" >&2
	exit 2
	;;
esac
