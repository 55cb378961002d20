#!/usr/bin/env bash
# The yardstick: the six core experiments as plainly as a person would script them with the docker CLI.
# Serial, one CLI call per step. It compiles the programs and builds the image only when they are missing,
# and it checks its own observations, so a broken run cannot look fast (exit 1 on any surprise).
# (grep reads all its input: with pipefail, grep -q could end the writer with SIGPIPE and fail a good run.)
# Usage: bench/yardstick.sh [CACHE_DIR]   (the image is tagged shmlab-yardstick:latest)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-/tmp/shmlab-yardstick}
image=shmlab-yardstick:latest
ALPHABET="a b c d e f g h i j k l m n o p q r s t u v w x y z"
DEFAULT=18446744073692774399
WANTED=68719476736

fail() { echo "yardstick: $*" >&2; exit 1; }
expect_out() { [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"; }
expect_fail() { if out=$("${@:2}" 2>&1); then fail "$1: expected a failure, got '$out'"; fi; echo "$out"; }

# Programs and image, only when missing.
if [ ! -x "$cache/ctx/bin/idle" ]; then
  mkdir -p "$cache/ctx/bin"
  cp -r "$root/fixtures/." "$cache/ctx/"
  for src in "$root"/c-src/*.c; do
    name=$(basename "$src" .c)
    [ "$name" = common ] && continue
    cc -static -O2 -s -o "$cache/ctx/bin/$name" "$src" "$root/c-src/common.c"
  done
  cp /bin/busybox "$cache/ctx/bin/busybox"
  for applet in sh cat echo kill sleep ls; do ln -sf busybox "$cache/ctx/bin/$applet"; done
  printf 'CMD ["/bin/idle"]\n' >> "$cache/ctx/Dockerfile"
fi
if ! docker image inspect "$image" >/dev/null 2>&1; then
  DOCKER_BUILDKIT=0 docker build -q -t "$image" "$cache/ctx" >/dev/null 2>&1
fi

# Privileged, or the nearest equivalent where the host cannot.
if id=$(docker run -d --network none --privileged "$image" 2>/dev/null); then PRIV=(--privileged); else PRIV=(--cap-add SYS_ADMIN --security-opt systempaths=unconfined); fi
docker rm -f "${id:-none}" >/dev/null 2>&1 || true
docker ps -aq --filter "ancestor=$image" | xargs -r docker rm -f >/dev/null

# sysv-restart
c=$(docker run -d --network none "$image")
docker exec "$c" sysv-write --key 5678 >/dev/null
expect_out sysv-before "$(docker exec "$c" sysv-read --key 5678)" "$ALPHABET"
docker stop "$c" >/dev/null
docker start "$c" >/dev/null
expect_fail sysv-after docker exec "$c" sysv-read --key 5678 | grep ENOENT >/dev/null || fail "sysv-after: no ENOENT"
docker rm -f "$c" >/dev/null

# mmap-restart
c=$(docker run -d --network none "$image")
docker exec "$c" mmap-write --path ./shm.txt --size 501 >/dev/null
expect_out mmap-before "$(docker exec "$c" mmap-read --path ./shm.txt)" "$ALPHABET"
docker stop "$c" >/dev/null
docker start "$c" >/dev/null
expect_out mmap-after "$(docker exec "$c" mmap-read --path ./shm.txt)" "$ALPHABET"
docker diff "$c" | grep -x 'A /shm.txt' >/dev/null || fail "mmap-diff: no A /shm.txt"
docker inspect -f '{{.GraphDriver.Data.UpperDir}}' "$c" >/dev/null
docker rm -f "$c" >/dev/null

# shmget-einval
c=$(docker run -d --network none "$image")
expect_out einval-default "$(docker exec "$c" cat /proc/sys/kernel/shmmax)" "$DEFAULT"
l=$(docker run -d --network none --sysctl kernel.shmmax=33554432 "$image")
expect_out einval-limit "$(docker exec "$l" cat /proc/sys/kernel/shmmax)" 33554432
expect_fail einval-64m docker exec "$l" sysv-write --key 5678 --size 67108864 | grep EINVAL >/dev/null || fail "einval-64m: no EINVAL"
docker exec "$l" sysv-write --key 5679 --size 33554432 --remove >/dev/null
docker rm -f "$c" "$l" >/dev/null

# procsys-readonly
c=$(docker run -d --network none "$image")
docker exec "$c" cat /etc/sysctl.conf | grep "kernel.shmmax = $WANTED" >/dev/null || fail "procsys-conf"
expect_fail procsys-echo docker exec "$c" sh -c "echo $WANTED > /proc/sys/kernel/shmmax" | grep 'Read-only' >/dev/null || fail "procsys-echo: writable"
expect_fail procsys-sysctl docker exec "$c" /bin/sysctl -p | grep 'Read-only' >/dev/null || fail "procsys-sysctl: writable"
expect_out procsys-live "$(docker exec "$c" cat /proc/sys/kernel/shmmax)" "$DEFAULT"
docker rm -f "$c" >/dev/null

# privileged-not-persisted
c=$(docker run -d --network none "${PRIV[@]}" "$image")
expect_out priv-before "$(docker exec "$c" cat /proc/sys/kernel/shmmax)" "$DEFAULT"
docker exec "$c" sh -c "echo $WANTED > /proc/sys/kernel/shmmax"
docker exec "$c" /bin/sysctl -p >/dev/null
expect_out priv-changed "$(docker exec "$c" cat /proc/sys/kernel/shmmax)" "$WANTED"
docker stop "$c" >/dev/null
docker start "$c" >/dev/null
expect_out priv-after "$(docker exec "$c" cat /proc/sys/kernel/shmmax)" "$DEFAULT"
docker exec "$c" sh -c "echo $WANTED > /proc/sys/kernel/shmmax"
expect_out priv-again "$(docker exec "$c" cat /proc/sys/kernel/shmmax)" "$WANTED"
docker rm -f "$c" >/dev/null

# sysctl-flag
c=$(docker run -d --network none --sysctl kernel.shmmax=$WANTED "$image")
expect_out flag-value "$(docker exec "$c" cat /proc/sys/kernel/shmmax)" "$WANTED"
docker stop "$c" >/dev/null
docker start "$c" >/dev/null
expect_out flag-after "$(docker exec "$c" cat /proc/sys/kernel/shmmax)" "$WANTED"
if s=$(docker run -d --network none --sysctl kernel.sysrq=1 "$image" 2>/dev/null); then docker rm -f "$s" >/dev/null; fail "flag-sysrq: accepted"; fi
docker rm -f "$c" >/dev/null
echo "yardstick: 6 experiments as expected"
