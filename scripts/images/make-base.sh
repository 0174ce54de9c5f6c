#!/usr/bin/env bash
# Makes a stand-in for the official Node 24 slim image where no registry serves it: Debian bookworm
# (debootstrap minbase, from the machine's apt mirror) + this machine's Node 24 and npm, a `node` user
# with uid 1000 as in the official images, and the machine's CA bundle (NODE_EXTRA_CA_CERTS), imported
# into podman as <tag>. Kept in podman's store: a second run finds it and returns at once.
#   scripts/images/make-base.sh <tag>
set -euo pipefail
tag=${1:?usage: make-base.sh <tag>}
if podman image exists "$tag"; then
  echo "base image $tag: cached"
  exit 0
fi

mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
  awk '{print $2}' | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
ca=/etc/ssl/certs/ca-certificates.crt

root=$(mktemp -d /var/tmp/node-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base image $tag: debootstrap bookworm from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null

install -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
install -D -m 0644 "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
echo 'node:x:1000:1000::/home/node:/bin/sh' >>"$root/etc/passwd"
echo 'node:x:1000:' >>"$root/etc/group"
echo 'node:*:20000:0:99999:7:::' >>"$root/etc/shadow"
install -d -o 1000 -g 1000 "$root/home/node"
# What the official slim images leave out too.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/var/log/*

tar -C "$root" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$("$node_bin" --version | tr -d v)" \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$tag" >/dev/null
echo "base image $tag: made ($(podman image inspect "$tag" --format '{{.Size}}') bytes)"
