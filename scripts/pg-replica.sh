#!/usr/bin/env bash
# A throwaway primary + streaming standby on loopback, with synchronous replication, for the
# replica and failover suites (docs/operations.md, "Replicas and failover"). Two nodes, node1 and
# node2, each with a fixed port for its life, so one multi-host DATABASE_URL names both whichever
# is primary:
#   scripts/pg-replica.sh start DIR          → node1 primary, node2 its synchronous standby; prints
#                                              URL=<both hosts> PRIMARY=<node1> STANDBY=<node2>
#   scripts/pg-replica.sh kill DIR NODE      → SIGKILL the node's postmaster and every backend (a crash)
#   scripts/pg-replica.sh restart DIR NODE   → start a killed node again on its data as it was (a
#                                              standby recovers and streams from its primary again)
#   scripts/pg-replica.sh promote DIR NODE   → the standby becomes the primary, alone and asynchronous
#                                              until a new standby is attached
#   scripts/pg-replica.sh rebuild DIR NODE   → NODE becomes a fresh standby of the other node (its data
#                                              folder is replaced by a pg_basebackup), then synchronous
#   scripts/pg-replica.sh primary DIR        → prints the node that accepts writes
#   scripts/pg-replica.sh stop DIR
# Synchronous replication with synchronous_commit = on (which Inkwell's own writes set): a commit is
# acknowledged once the standby has flushed it to disk, so a failover loses no acknowledged write.
# remote_apply would also make the standby show it before the acknowledgement, at the price of
# every commit waiting for replay; read-your-writes comes instead from x-inkwell-min-position.
# initdb and postgres refuse to run as root, so the nodes belong to the `postgres` user when we are root.
set -euo pipefail
cmd=${1:?start|kill|restart|promote|rebuild|primary|stop}
dir=${2:?folder}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

port_of() { cat "$dir/$1.port"; }
other() { if [ "$1" = node1 ]; then echo node2; else echo node1; fi; }
sql() { "$bin/psql" -h 127.0.0.1 -p "$(port_of "$1")" -U inkwell -d postgres -XAtqc "$2"; }
url_of() { echo "postgres://inkwell@127.0.0.1:$(port_of "$1")/inkwell"; }

serve() {
  local node=$1
  # hot_standby_feedback: queries on the standby are not cancelled by the primary's vacuum.
  as_owner "'$bin/pg_ctl' -D '$dir/$node' -l '$dir/$node.log' -w -t 60 -o \"-c listen_addresses=127.0.0.1 -c port=$(port_of "$node") -c unix_socket_directories='$dir' -c fsync=on -c max_connections=200 -c hot_standby_feedback=on -c wal_keep_size=256MB\" start >/dev/null"
}

# Waits (up to 60 s) until `standby` streams from `primary`, then makes it synchronous there.
attach() {
  local primary=$1 standby=$2
  for _ in $(seq 1 600); do
    [ "$(sql "$primary" "select count(*) from pg_stat_replication where application_name = '$standby' and state = 'streaming'")" = 1 ] && break
    sleep 0.1
  done
  # Only once it streams: with synchronous_standby_names set and no standby, every commit waits.
  sql "$primary" "alter system set synchronous_standby_names = '$standby'" >/dev/null
  sql "$primary" "select pg_reload_conf()" >/dev/null
  for _ in $(seq 1 600); do
    [ "$(sql "$primary" "select sync_state from pg_stat_replication where application_name = '$standby'")" = sync ] && return 0
    sleep 0.1
  done
  echo "$standby did not become a synchronous standby of $primary" >&2
  exit 1
}

# NODE as a new standby of the other node: a base backup of it, streaming, application_name NODE.
standby_of() {
  local node=$1 primary=$2
  as_owner "rm -rf '$dir/$node'"
  as_owner "'$bin/pg_basebackup' -h 127.0.0.1 -p $(port_of "$primary") -U inkwell -D '$dir/$node' -R -X stream -c fast -d 'application_name=$node' >'$dir/$node.basebackup.log' 2>&1" ||
    { cat "$dir/$node.basebackup.log" >&2; exit 1; }
  # The backup copies the primary's postgresql.auto.conf: a standby names no synchronous standby.
  as_owner "sed -i '/^synchronous_standby_names/d' '$dir/$node/postgresql.auto.conf'"
  serve "$node"
  attach "$primary" "$node"
}

case "$cmd" in
  start)
    if [ -e "$dir/node1" ]; then echo "$dir/node1 exists: stop those nodes and rm -rf $dir first" >&2; exit 1; fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    free_port >"$dir/node1.port"
    free_port >"$dir/node2.port"
    as_owner "'$bin/initdb' -D '$dir/node1' -U inkwell --auth=trust --encoding=UTF8 --locale=C >'$dir/initdb.log' 2>&1" ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    serve node1
    as_owner "'$bin/createdb' -h 127.0.0.1 -p $(port_of node1) -U inkwell inkwell"
    standby_of node2 node1
    echo "URL=postgres://inkwell@127.0.0.1:$(port_of node1),127.0.0.1:$(port_of node2)/inkwell PRIMARY=$(url_of node1) STANDBY=$(url_of node2)"
    ;;
  kill)
    node=${3:?node1|node2}
    pid=$(head -1 "$dir/$node/postmaster.pid" 2>/dev/null || true)
    if [ -n "$pid" ]; then
      # The postmaster and its backends, as a machine that loses power: nothing is shut down cleanly.
      # Its children from /proc (field 4 of stat is the parent): procps may not be installed.
      children=$(awk -v parent="$pid" '$4 == parent { print $1 }' /proc/[0-9]*/stat 2>/dev/null || true)
      kill -KILL "$pid" $children 2>/dev/null || true
      # Gone, or a zombie its parent has yet to reap: either way it serves nothing.
      for _ in $(seq 1 200); do
        [ -e "/proc/$pid" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat" 2>/dev/null || break
        sleep 0.05
      done
    fi
    ;;
  restart)
    node=${3:?node1|node2}
    pid=$(head -1 "$dir/$node/postmaster.pid" 2>/dev/null || true)
    # A killed postmaster may linger as a zombie until its parent reaps it (a container's init may
    # never), and postgres takes a lock file naming a process that still exists for a live server:
    # dead is dead, so its data folder's and its socket's lock files go.
    if [ -n "$pid" ] && { [ ! -e "/proc/$pid" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat" 2>/dev/null; }; then
      as_owner "rm -f '$dir/$node/postmaster.pid' '$dir/.s.PGSQL.$(port_of "$node")' '$dir/.s.PGSQL.$(port_of "$node").lock'"
    fi
    serve "$node"
    ;;
  promote)
    node=${3:?node1|node2}
    as_owner "'$bin/pg_ctl' -D '$dir/$node' -w -t 60 promote" >/dev/null
    # Alone until rebuild attaches a standby: a synchronous primary without one would block every commit.
    sql "$node" "alter system reset synchronous_standby_names" >/dev/null
    sql "$node" "select pg_reload_conf()" >/dev/null
    ;;
  rebuild)
    node=${3:?node1|node2}
    as_owner "'$bin/pg_ctl' -D '$dir/$node' -m immediate stop" >/dev/null 2>&1 || true
    standby_of "$node" "$(other "$node")"
    ;;
  primary)
    for node in node1 node2; do
      [ "$(sql "$node" "select pg_is_in_recovery()" 2>/dev/null || true)" = f ] && { echo "$node"; exit 0; }
    done
    echo "no node accepts writes" >&2
    exit 1
    ;;
  stop)
    for node in node1 node2; do
      [ -e "$dir/$node" ] && as_owner "'$bin/pg_ctl' -D '$dir/$node' -m immediate stop" >/dev/null 2>&1 || true
    done
    ;;
  *)
    echo "usage: $0 start|kill|restart|promote|rebuild|primary|stop DIR [NODE]" >&2
    exit 2
    ;;
esac
