#!/bin/sh
# The `secure` profile of docker-compose.yml, run in the apache/kafka image (as streams/ops/secure_broker.py
# does for the local broker):
#   secure-init.sh init   CA + broker certificate (keytool), server.properties, storage formatted with
#                         the SCRAM-SHA-512 users; once, into the `secure` and `secure-data` volumes
#   secure-init.sh acls   the ACLs of README "Production", as admin, once the broker answers
# Passwords come from the environment (docker-compose passes them from the shell or .env).
set -eu
D=${SECURE_DIR:-/secure}
K=${KAFKA_BIN:-/opt/kafka/bin}
: "${NEWSFEED_ADMIN_PASSWORD:?set NEWSFEED_ADMIN_PASSWORD}"
: "${NEWSFEED_WORKER_PASSWORD:?set NEWSFEED_WORKER_PASSWORD}"
: "${NEWSFEED_SUBSCRIBER_PASSWORD:?set NEWSFEED_SUBSCRIBER_PASSWORD}"
umask 077

init() {
  if [ -f "$D/server.properties" ]; then echo "already initialised"; return; fi
  pw=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  kt() { keytool "$@" -storetype PKCS12 -storepass "$pw"; }
  kt -genkeypair -alias ca -keyalg RSA -keysize 2048 -dname "CN=newsfeed docker CA" -ext bc:c \
     -validity 3650 -keystore "$D/ca.p12"
  kt -exportcert -rfc -alias ca -keystore "$D/ca.p12" -file "$D/ca.pem"
  kt -genkeypair -alias broker -keyalg RSA -keysize 2048 -dname "CN=kafka-secure" -validity 3650 \
     -keystore "$D/broker.p12"
  kt -certreq -alias broker -keystore "$D/broker.p12" -file "$D/broker.csr"
  kt -gencert -alias ca -keystore "$D/ca.p12" -infile "$D/broker.csr" -outfile "$D/broker.pem" -rfc \
     -validity 3650 -ext "SAN=dns:kafka-secure,dns:localhost,ip:127.0.0.1" -ext "EKU=serverAuth,clientAuth"
  kt -importcert -noprompt -alias ca -file "$D/ca.pem" -keystore "$D/broker.p12"
  kt -importcert -noprompt -alias broker -file "$D/broker.pem" -keystore "$D/broker.p12"
  kt -importcert -noprompt -alias ca -file "$D/ca.pem" -keystore "$D/truststore.p12"
  rm -f "$D/broker.csr"
  chmod 644 "$D/ca.pem"
  jaas() { echo "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$1\" password=\"$2\";"; }
  cat > "$D/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=kafka-secure:9095
listeners=SASL_SSL://0.0.0.0:19094,EXTERNAL://0.0.0.0:9094,CONTROLLER://kafka-secure:9095
advertised.listeners=SASL_SSL://kafka-secure:19094,EXTERNAL://localhost:9094
listener.security.protocol.map=SASL_SSL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
log.dirs=/var/lib/kafka/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
ssl.keystore.type=PKCS12
ssl.keystore.location=$D/broker.p12
ssl.keystore.password=$pw
ssl.key.password=$pw
ssl.truststore.type=PKCS12
ssl.truststore.location=$D/truststore.p12
ssl.truststore.password=$pw
listener.name.controller.ssl.client.auth=required
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$(jaas admin "$NEWSFEED_ADMIN_PASSWORD")
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:CN=kafka-secure
PROPS
  cat > "$D/admin.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$(jaas admin "$NEWSFEED_ADMIN_PASSWORD")
ssl.truststore.type=PEM
ssl.truststore.location=$D/ca.pem
PROPS
  printf '%s\n' "$NEWSFEED_WORKER_PASSWORD" > "$D/newsfeed.password"
  printf '%s\n' "$NEWSFEED_SUBSCRIBER_PASSWORD" > "$D/subscriber.password"
  "$K/kafka-storage.sh" format --standalone -t "$("$K/kafka-storage.sh" random-uuid)" -c "$D/server.properties" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$NEWSFEED_ADMIN_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=newsfeed,password=$NEWSFEED_WORKER_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=subscriber,password=$NEWSFEED_SUBSCRIBER_PASSWORD]"
}

acls() {
  add() { "$K/kafka-acls.sh" --bootstrap-server kafka-secure:19094 --command-config "$D/admin.properties" --add "$@"; }
  w="--allow-principal User:newsfeed"
  add $w --operation Read --operation Describe --operation DescribeConfigs --operation Create \
      --topic news.articles.raw
  add $w --operation Read --operation Write --operation Describe --operation DescribeConfigs --operation Create \
      --topic news.alerts.candidates --topic news.stories
  add $w --operation Write --operation Describe --operation DescribeConfigs --operation Create \
      --topic news.articles.enriched --topic news.alerts --topic news.archive --topic news.articles.deadletter
  add $w --operation Read --topic news.articles.enriched --topic news.alerts
  add $w --operation Read --operation Write --operation Describe --operation DescribeConfigs --operation Create \
      --topic news.alerts.acks
  add $w --operation Write --operation Describe --operation DescribeConfigs --operation Create \
      --topic news.alerts.notify.deadletter
  add $w --operation All --resource-pattern-type prefixed --topic newsfeed
  add $w --operation Read --operation Describe --resource-pattern-type prefixed --group newsfeed
  s="--allow-principal User:subscriber"
  add $s --operation Read --operation Describe --topic news.articles.enriched --topic news.alerts --topic news.archive
  add $s --operation Read --operation Describe --resource-pattern-type prefixed --group subscriber
}

"$@"
