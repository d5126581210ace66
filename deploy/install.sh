#!/usr/bin/env bash
# Installs (or upgrades to) this checkout of HallEdge on a Debian-family venue server (Debian, Ubuntu, and the
# domestic distributions built on them such as 统信 UOS, 银河麒麟 Kylin or deepin), as a systemd service per venue.
#   sudo deploy/install.sh jincheng            first install, or upgrade to this checkout (docs/operations.md)
# What it does: Debian packages (Node.js >= 20, ffmpeg), the halledge system user, this release under
# /opt/halledge/releases/<version>, production dependencies and built pages, /opt/halledge/current pointing at it,
# the unit halledge@<venue>, /etc/halledge/<venue>.env from the example (kept if present), journald retention.
# An upgrade backs the venue up first, switches, and rolls back to the previous release if the new one is not ready.
set -euo pipefail
venue=${1:?usage: install.sh <venue id, e.g. jincheng>}
src=$(cd "$(dirname "$0")/.." && pwd)
root=/opt/halledge
[ "$(id -u)" = 0 ] || { echo "run as root (sudo)" >&2; exit 1; }

. /etc/os-release
case " ${ID:-} ${ID_LIKE:-} " in
  *" debian "*|*" ubuntu "*) ;;
  *) echo "not a Debian-family system (${PRETTY_NAME:-unknown}); see docs/operations.md for the manual steps" >&2; exit 1 ;;
esac

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends nodejs npm ffmpeg ca-certificates curl
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "Node.js $(node --version) is too old: HallEdge needs 20 or later (24 LTS recommended)" >&2; exit 1; }

id halledge >/dev/null 2>&1 || useradd --system --home-dir /var/lib/halledge --shell /usr/sbin/nologin halledge
install -d -m 0755 "$root/releases"
install -d -m 0750 -o root -g halledge /etc/halledge
install -d -m 0700 -o halledge -g halledge /var/lib/halledge "/var/lib/halledge/$venue"
install -d -m 0755 /etc/halledge/keys
install -d -m 0700 -o halledge -g halledge "/etc/halledge/keys/$venue"

version=$(node -p "require('$src/package.json').version")-$(git -C "$src" rev-parse --short HEAD 2>/dev/null || date +%Y%m%d%H%M%S)
release="$root/releases/$version"
if [ ! -d "$release" ]; then
  echo "== release $version"
  mkdir -p "$release.tmp"
  (cd "$src" && tar --exclude=./node_modules --exclude=./data --exclude=./.git -cf - .) | tar -C "$release.tmp" -xf -
  (cd "$release.tmp" && npm ci --no-audit --no-fund && npm run build:dashboards && npm prune --omit=dev --no-audit --no-fund)
  mv "$release.tmp" "$release"
fi

install -m 0644 "$src/deploy/halledge@.service" /etc/systemd/system/halledge@.service
install -d /etc/systemd/journald.conf.d
install -m 0644 "$src/deploy/journald-halledge.conf" /etc/systemd/journald.conf.d/halledge.conf
[ -f "/etc/halledge/$venue.env" ] || sed "s/^HALLEDGE_VENUE=.*/HALLEDGE_VENUE=$venue/" "$src/deploy/halledge.env.example" |
  install -m 0600 /dev/stdin "/etc/halledge/$venue.env"
systemctl daemon-reload
systemctl restart systemd-journald

previous=$(readlink "$root/current" 2>/dev/null || true)
if [ -n "$previous" ] && [ "$previous" != "$release" ]; then
  echo "== upgrade $(basename "$previous") -> $version: backing up first"
  (cd "$previous" && sudo -u halledge env HALLEDGE_DATA="/var/lib/halledge/$venue" HALLEDGE_KEYS="/etc/halledge/keys/$venue" \
    npm run --silent backup -- --venue "$venue" --to "/var/lib/halledge/$venue-backups/before-$version")
  systemctl stop "halledge@$venue"
fi
ln -sfn "$release" "$root/current"
systemctl enable --now "halledge@$venue"

port=$(sed -n 's/^HALLEDGE_HTTP_PORT=//p' "/etc/halledge/$venue.env"); port=${port:-8080}
for _ in $(seq 1 60); do
  # HTTPS with the venue CA the edge made at first start (docs/security.md); its certificate names 127.0.0.1.
  if curl -fsS --cacert "/etc/halledge/keys/$venue/tls/venue-ca.crt" "https://127.0.0.1:$port/ready" >/dev/null 2>&1; then echo "== halledge@$venue ready on port $port ($version)"; exit 0; fi
  sleep 2
done
echo "halledge@$venue is not ready after 120 s: journalctl -u halledge@$venue" >&2
if [ -n "$previous" ] && [ "$previous" != "$release" ]; then
  echo "== rolling back to $(basename "$previous"); if the new release migrated the database, restore the backup (docs/operations.md)" >&2
  systemctl stop "halledge@$venue"
  ln -sfn "$previous" "$root/current"
  systemctl start "halledge@$venue"
fi
exit 1
