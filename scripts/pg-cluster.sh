#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the test suite.
#   scripts/pg-cluster.sh start DIR [PORT]   → initdb + pg_ctl start, prints the DATABASE_URL
#                                            (PORT defaults to a free one)
#   scripts/pg-cluster.sh stop DIR
#   scripts/pg-cluster.sh resume DIR PORT   → starts a stopped cluster again (fault tests)
# initdb refuses to run as root, so the cluster belongs to the `postgres` user when we are root.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data folder}
port=${3:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

serve() {
  as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c fsync=on -c max_connections=200\" start >/dev/null"
}

case "$cmd" in
  start)
    if [ -e "$dir/data" ]; then echo "$dir/data exists: stop that cluster and rm -rf $dir first" >&2; exit 1; fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    as_owner "'$bin/initdb' -D '$dir/data' -U inkwell --auth=trust --encoding=UTF8 --locale=C >'$dir/initdb.log' 2>&1" || { cat "$dir/initdb.log" >&2; exit 1; }
    serve
    as_owner "'$bin/createdb' -h 127.0.0.1 -p $port -U inkwell inkwell"
    echo "postgres://inkwell@127.0.0.1:$port/inkwell"
    ;;
  resume)
    serve
    ;;
  stop)
    as_owner "'$bin/pg_ctl' -D '$dir/data' -m fast stop" >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|resume|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
