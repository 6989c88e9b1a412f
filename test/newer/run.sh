#!/usr/bin/env bash
# test/newer/run.sh MAJOR - pg_xray on a newer PostgreSQL: the tree is built
# with that version's compiler against its headers inside scripts/pgroot's
# root, installed there, and the pg_regress and isolation suites run on a
# throwaway instance of that server (issue #12: the other suites follow).
set -euo pipefail
major=${1:?usage: test/newer/run.sh MAJOR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
root=$("$ROOT/scripts/pgroot" "$major")
work=/src/pg_xray
rm -rf "$root$work"
mkdir -p "$root$work"
# the working tree as it is (a clean clone in CI), without build products
tar -C "$ROOT" --exclude=./build --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - . | tar -C "$root$work" -xf -
pgc=/usr/lib/postgresql/$major/bin/pg_config
chroot "$root" bash -c "cd $work && make -s clean >/dev/null 2>&1; make -s -j$(nproc) PG_CONFIG=$pgc >/dev/null && make -s install PG_CONFIG=$pgc >/dev/null" ||
	{ echo "build on PostgreSQL $major failed"; exit 1; }
echo "built and installed on $(chroot "$root" "$pgc" --version)"
chroot "$root" bash -c "chown -R postgres: $work && rm -rf /tmp/xray_newer && mkdir -p /tmp/xray_newer && chown postgres: /tmp/xray_newer"
rc=0
for target in installcheck isolationcheck; do
	chroot "$root" runuser -u postgres -- env TMPDIR=/tmp/xray_newer make -s -C "$work" "$target" PG_CONFIG="$pgc" \
		XRAY_TMP=/tmp/xray_newer XRAY_TEST_PORT=$((57900 + major)) >"/tmp/xray_newer_$major.$target.log" 2>&1 || rc=1
	grep -E '^# (All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed)' "/tmp/xray_newer_$major.$target.log" | sed "s/^# /PostgreSQL $major $target: /"
	[ $rc -eq 0 ] || { cat "$root/tmp/xray_newer/"*/regression.diffs 2>/dev/null | head -80; break; }
done
exit $rc
