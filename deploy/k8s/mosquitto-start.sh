#!/bin/sh
# Starts the bus broker in the eclipse-mosquitto:2 image: writes the password file of the user "cleave" from
# MQTT_PASSWORD, then runs Mosquitto. Started as root (Compose), it hands the files to the mosquitto user,
# to which the broker then drops; started as that user (Kubernetes), the volumes are already its own.
set -eu
: "${MQTT_PASSWORD:?MQTT_PASSWORD must hold the password of the bus user cleave}"
mkdir -p /mosquitto/auth
mosquitto_passwd -b -c /mosquitto/auth/passwords cleave "$MQTT_PASSWORD"
chmod 0600 /mosquitto/auth/passwords
if [ "$(id -u)" = 0 ]; then chown -R mosquitto:mosquitto /mosquitto/auth /mosquitto/data; fi
exec /usr/sbin/mosquitto -c /mosquitto/config/mosquitto.conf
