#!/bin/sh
set -e
apt-get install -y nginx
echo "db=$DB_HOST settings=$SETTINGS" > /etc/app.conf
