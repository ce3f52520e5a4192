#!/usr/bin/env bash
# Builds the project's Dockerfile with podman (no Docker daemon needed), for tests/container.
#
#   tests/container/build_image.sh [TAG]     builds; prints the tag on stdout
#   tests/container/build_image.sh --env     prints the exports podman needs to see the same store
#
# As root on Debian or Ubuntu: podman, runc and debootstrap are installed with apt when missing. Where
# the Dockerfile's FROM image cannot be pulled (no registry in reach), a stand-in is made once with
# debootstrap from the Debian archive apt already uses: bookworm with Python 3.11, pip and venv, what the
# python:3.11-slim-bookworm image gives. Every step after FROM runs as written. The store and the
# stand-in live under $CTR_WORK (default /var/tmp/mr-container).
set -euo pipefail
work=${CTR_WORK:-/var/tmp/mr-container}
export CONTAINERS_CONF=$work/containers.conf CONTAINERS_STORAGE_CONF=$work/storage.conf
if [ "${1:-}" = "--env" ]; then
    echo "export CONTAINERS_CONF=$CONTAINERS_CONF CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
    exit 0
fi
project=$(cd "$(dirname "$0")/../.." && pwd)
tag=${1:-localhost/migration-reviewer:test}
say() { echo "build_image: $*" >&2; }
mkdir -p "$work"

missing=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc debootstrap \
        uidmap fuse-overlayfs >/dev/null
fi
# A store of our own that names its driver (podman's cleanup is slow without); runc, and file limits
# podman may set without CAP_SYS_RESOURCE.
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/storage"\nrunroot = "%s/runroot"\n' "$work" "$work" \
    >"$CONTAINERS_STORAGE_CONF"
printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=32768:32768"]\n[engine]\nruntime = "runc"\n' \
    "$(ulimit -Hn)" "$(ulimit -Hn)" >"$CONTAINERS_CONF"

from=$(awk 'toupper($1) == "FROM" {print $2; exit}' "$project/Dockerfile")
base=()
if ! podman image exists "$from" && ! podman pull -q "$from" >/dev/null 2>&1; then
    standin=localhost/mr-py-base:bookworm
    if ! podman image exists "$standin"; then
        root=$work/rootfs
        mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
        mirror=${mirror:-http://deb.debian.org/debian}
        if [ ! -x "$root/usr/bin/python3" ]; then
            say "$from cannot be pulled: making a stand-in with debootstrap (about a minute)"
            rm -rf "$root"
            debootstrap --variant=minbase \
                --include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates,netbase,tzdata \
                bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
                || { say "debootstrap failed: see $work/debootstrap.log"; exit 1; }
        fi
        # pip may install system-wide there, as in the python images; apt uses this machine's archive.
        rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED "$root/etc/apt/sources.list"
        if [ -f /etc/apt/sources.list.d/debian.sources ]; then
            cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
        else
            echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
        fi
        printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
            'path-exclude /usr/share/man/*' 'path-exclude /usr/share/locale/*' >"$root/etc/dpkg/dpkg.cfg.d/slim"
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/man/*
        : >"$root/etc/resolv.conf"
        # Certificates this machine trusts and the stand-in lacks (a proxy that inspects TLS), for pip.
        csplit -s -z -f "$root/usr/local/share/ca-certificates/host-" -b '%03d.crt' \
            /etc/ssl/certs/ca-certificates.crt '/-----BEGIN CERTIFICATE-----/' '{*}'
        chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
        tar -C "$root" -c . | podman import --change 'ENV=LANG=C.UTF-8' \
            --change 'ENV=PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD=["python3"]' - "$standin" >/dev/null
    fi
    base=(--from "$standin")
fi
say "building $tag"
# The host's network (and proxy settings) for apt and pip during the build.
podman build -q --network host "${base[@]}" -t "$tag" "$project" >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log" >&2; say "the build failed: see $work/build.log"; exit 1; }
podman image inspect "$tag" --format '{{.Size}}' | awk -v t="$tag" '{printf "build_image: %s, %.0f MB\n", t, $1/1e6}' >&2
echo "$tag"
