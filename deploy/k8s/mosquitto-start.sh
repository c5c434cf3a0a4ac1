#!/bin/sh
# Starts the bus broker in the eclipse-mosquitto:2 image: writes the password file of the user "cleave" from
# MQTT_PASSWORD, hands the files to the mosquitto user (the broker drops to it), then runs Mosquitto.
set -eu
: "${MQTT_PASSWORD:?MQTT_PASSWORD must hold the password of the bus user cleave}"
mkdir -p /mosquitto/auth /mosquitto/data
mosquitto_passwd -b -c /mosquitto/auth/passwords cleave "$MQTT_PASSWORD"
chown -R mosquitto:mosquitto /mosquitto/auth /mosquitto/data
chmod 0700 /mosquitto/auth
exec /usr/sbin/mosquitto -c /mosquitto/config/mosquitto.conf
