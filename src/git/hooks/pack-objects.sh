#!/bin/bash
# Heater's uploadpack.packObjectsHook: a disk cache of the packs upload-pack asks pack-objects for.
# upload-pack runs it as `<this> git [--shallow-file ''] pack-objects <args>…` in the repository,
# with pack-objects' input (wants, --not, haves, --shallow lines) on stdin; its stdout is the pack,
# its stderr is progress for the client (upload-pack.c create_pack_file). The key is what the pack
# depends on, as Gitaly's pack-objects cache has it: git's version and Heater's cache format
# (HEATER_PACK_CACHE_SALT), the repository, a stamp of its ref files (HEATER_PACK_CACHE_REFS: with
# --include-tag a pack holds the tags pointing into it, so it depends on the refs too), the arguments
# and the input. An entry is renamed into
# place only after pack-objects exited 0, so a killed writer never leaves one that is served; the
# server sweeps (size bound, age, LRU from lookups.log) and removes partials left at start-up.
# Kept to builtins and a few coreutils: every clone runs it, and its CPU is what the cache saves.
# Written by Heater; edits are overwritten.
LC_ALL=C
dir=${HEATER_PACK_CACHE_DIR:-}
refs=${HEATER_PACK_CACHE_REFS:-}
# no cache, or refs that changed a moment ago (their stamp is not trusted yet): pack-objects itself
if [ -z "$dir" ] || [ -z "$refs" ] || [ ! -d "$dir/tmp" ]; then exec "$@"; fi
# the input is text (object ids and --not/--shallow lines, ending in an empty line): the x keeps
# command substitution from dropping trailing newlines
input=$(cat; echo x)
input=${input%x}
key=$(printf '%s\0' "$HEATER_PACK_CACHE_SALT" "$PWD" "$refs" "$@" "$input" | sha256sum)
key=${key%% *}
entry=$dir/entries/$key.pack
log=$dir/lookups.log

# a hit: the entry is opened before it is announced, so an eviction meanwhile cannot cut it short
serve() {
  { exec 8<"$entry"; } 2>/dev/null || return 1
  echo "h $key" 2>/dev/null >>"$log"
  exec 9>&-
  exec cat <&8
}
serve

# a miss: one process computes, identical requests wait on its lock and are then served the entry
lock=$dir/tmp/$key.lock
# on a full disk the lock, the log and the partial fail to open; the pack still reaches the client
{ exec 9>>"$lock" && flock 9; } 2>/dev/null
serve
echo "m $key" 2>/dev/null >>"$log"
part=$dir/tmp/$key.$$.part
# tee -p keeps writing the entry when the client goes away, for those waiting on the lock
printf '%s' "$input" | "$@" | tee -p "$part" 2>/dev/null
status=("${PIPESTATUS[@]}")
if [ "${status[1]}" = 0 ] && [ "${status[2]}" = 0 ]; then
  mv -f "$part" "$entry"
  rm -f "$lock"
else
  rm -f "$part" "$lock"
fi
exit "${status[1]}"
