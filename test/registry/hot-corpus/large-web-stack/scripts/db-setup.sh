#!/bin/sh
set -e
apt-get install -y postgresql
sudo -u postgres psql -c "ALTER USER postgres PASSWORD '$DB_PASSWORD';"
