#!/bin/bash
# Heater pre-receive hook. It carries the pushed ref updates and git's quarantine paths to the Heater
# server that started this receive-pack, and prints the server's verdict as `remote:` lines. Every
# rule lives in the server; this script only relays bytes. It fails closed: no server, no answer,
# or any answer but "ok" refuses the whole push. Written by Heater; edits are overwritten.
LC_ALL=C
if [ -z "${HEATER_HOOK_PORT:-}" ] || [ -z "${HEATER_HOOK_TOKEN:-}" ]; then
  echo "heater: this repository only accepts pushes through the Heater server" >&2
  exit 1
fi
payload="quarantine ${GIT_QUARANTINE_PATH:-}
objects ${GIT_OBJECT_DIRECTORY:-}
alternates ${GIT_ALTERNATE_OBJECT_DIRECTORIES:-}
"
while IFS= read -r line; do payload+="update $line
"; done
if ! exec 3<>"/dev/tcp/${HEATER_HOOK_HOST:-127.0.0.1}/$HEATER_HOOK_PORT"; then
  echo "heater: cannot reach the Heater server to check this push" >&2
  exit 1
fi
printf 'POST /_heater/hooks/pre-receive HTTP/1.0\r\nHost: heater\r\nAuthorization: Bearer %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s' \
  "$HEATER_HOOK_TOKEN" "${#payload}" "$payload" >&3
IFS= read -r -t 120 status <&3 || status=
while IFS= read -r -t 120 line <&3 && [ -n "${line%$'\r'}" ]; do :; done
verdict=
while IFS= read -r -t 120 line <&3 || [ -n "$line" ]; do
  if [ -z "$verdict" ]; then verdict=$line; else printf '%s\n' "$line"; fi
done
case "$status" in
  "HTTP/1."?" 200 "*) ;;
  *) echo "heater: the server could not check this push (${status%$'\r'})" >&2; exit 1 ;;
esac
[ "$verdict" = ok ]
