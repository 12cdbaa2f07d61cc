#!/bin/sh
# tests/harness/redmine.sh - a real, throwaway Redmine for the connector tests
# (recipe: shared/reference/test-servers.md section 2).
#
#   redmine.sh install        install redmine + redmine-sqlite + puma when missing
#   redmine.sh start DIR      start an instance whose state lives in DIR (SQLite
#                             copy of the packaged, migrated database), REST on,
#                             project "flawfix-test"; prints URL=..., KEY=...,
#                             and writes the same lines to DIR/env
#   redmine.sh stop DIR       stop it and remove its instance directory
#
# Needs root for the install and for /var/lib/redmine/<instance>; every
# daemon's output goes to DIR/*.log so a calling pipe never hangs.
set -eu

RM=/usr/share/redmine
DEFAULT_DB=/var/lib/dbconfig-common/sqlite3/redmine/instances/default/redmine_default

install_if_missing() {
	if dpkg -s redmine redmine-sqlite puma >/dev/null 2>&1 && [ -f "$DEFAULT_DB" ]; then
		return 0
	fi
	cat > /tmp/redmine.preseed <<'PRESEED'
redmine redmine/instances/default/dbconfig-install boolean true
redmine redmine/instances/default/database-type select sqlite3
redmine redmine/instances/default/db/dbname string redmine_default
redmine redmine/instances/default/db/basepath string /var/lib/dbconfig-common/sqlite3/redmine/instances/default
redmine redmine/instances/default/default-language select en
PRESEED
	debconf-set-selections /tmp/redmine.preseed
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		redmine redmine-sqlite puma >/tmp/redmine-apt.log 2>&1
}

bundle_puma() {
	if [ ! -f $RM/Gemfile.local ] || ! grep -q puma $RM/Gemfile.local; then
		echo "gem 'puma'" > $RM/Gemfile.local
	fi
	if ! grep -q '^    puma ' /var/lib/redmine/Gemfile.lock 2>/dev/null; then
		(cd $RM && bundle lock --local >/dev/null 2>&1)
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
	dir=$1
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	install_if_missing
	bundle_puma
	name="fftest-$(basename "$dir" | tr -c 'a-zA-Z0-9\n' '-')-$$"
	inst=/var/lib/redmine/$name
	mkdir -p "$inst/config" "$inst/log" "$inst/tmp" "$inst/files"
	cp "$DEFAULT_DB" "$dir/redmine.sqlite3"
	cat > "$inst/config/database.yml" <<YML
production:
  adapter: sqlite3
  database: $dir/redmine.sqlite3
YML
	head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$inst/config/secret_key.txt"
	echo "$name" > "$dir/instance"
	cat > "$dir/setup.rb" <<'RUBY'
Setting.rest_api_enabled = '1'
admin = User.find_by_login('admin')
admin.must_change_passwd = false
admin.save!
unless Project.find_by_identifier('flawfix-test')
  p = Project.new(name: 'FlawFix Test', identifier: 'flawfix-test', is_public: false)
  p.trackers = Tracker.all
  p.enabled_module_names = ['issue_tracking']
  p.save!
end
File.write(ARGV[0], admin.api_key)
RUBY
	(cd $RM && REDMINE_INSTANCE=$name RAILS_ENV=production bin/rails runner "$dir/setup.rb" "$dir/api-key" \
		>"$dir/runner.log" 2>&1)
	port=$(free_port)
	(cd $RM && REDMINE_INSTANCE=$name RAILS_ENV=production setsid bin/rails server -b 127.0.0.1 -p "$port" \
		-P "$dir/puma.pid" >"$dir/server.log" 2>&1 </dev/null &)
	i=0
	until curl -fs -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 120 ]; then
			echo "redmine did not answer within 60 s, see $dir/server.log" >&2
			exit 1
		fi
		sleep 0.5
	done
	printf 'URL=http://127.0.0.1:%s\nKEY=%s\n' "$port" "$(cat "$dir/api-key")" | tee "$dir/env"
}

stop() {
	dir=$1
	if [ -f "$dir/puma.pid" ]; then
		kill "$(cat "$dir/puma.pid")" 2>/dev/null || true
		rm -f "$dir/puma.pid"
	fi
	if [ -f "$dir/instance" ]; then
		name=$(cat "$dir/instance")
		case "$name" in fftest-*) rm -rf "/var/lib/redmine/$name" ;; esac
	fi
}

case "${1:-}" in
install) install_if_missing; bundle_puma ;;
start) start "${2:?usage: redmine.sh start DIR}" ;;
stop) stop "${2:?usage: redmine.sh stop DIR}" ;;
*) echo "usage: redmine.sh install | start DIR | stop DIR" >&2; exit 2 ;;
esac
