-- imlink server store, PostgreSQL, schema 1. Applied by Flyway (history in imlink_schema_history).

-- Messages: ord is the order across the store; a resend (same app, sender, client message id) hits
-- the unique constraint (NULL client message ids, from the app server, are distinct).
CREATE TABLE messages (
  ord           BIGSERIAL PRIMARY KEY,
  message_id    TEXT   NOT NULL UNIQUE,
  app_key       TEXT   NOT NULL,
  from_user     TEXT   NOT NULL,
  object_name   TEXT   NOT NULL,
  content       TEXT   NOT NULL,
  server_time   BIGINT NOT NULL,
  client_msg_id TEXT,
  CONSTRAINT messages_dedup UNIQUE (app_key, from_user, client_msg_id)
);
CREATE INDEX messages_time ON messages (server_time);

-- Every recipient's inbox: seq is 1, 2, 3, ... per (app_key, user_id), moved in inbox_heads.
CREATE TABLE inbox (
  app_key     TEXT   NOT NULL,
  user_id     TEXT   NOT NULL,
  seq         BIGINT NOT NULL,
  ord         BIGINT NOT NULL,
  server_time BIGINT NOT NULL,
  PRIMARY KEY (app_key, user_id, seq)
);
CREATE INDEX inbox_time ON inbox (server_time);

CREATE TABLE inbox_heads (
  app_key  TEXT   NOT NULL,
  user_id  TEXT   NOT NULL,
  last_seq BIGINT NOT NULL,
  PRIMARY KEY (app_key, user_id)
);

CREATE TABLE acks (
  app_key   TEXT   NOT NULL,
  user_id   TEXT   NOT NULL,
  device_id TEXT   NOT NULL,
  up_to_seq BIGINT NOT NULL,
  PRIMARY KEY (app_key, user_id, device_id)
);

-- Server state. Revocations and blocks carry the change number of their last write (from
-- state_changes), so that every server process's poller reads what changed since its last poll;
-- an unblock sets until_ms to 0 (a DELETE would be invisible to pollers).
CREATE SEQUENCE state_changes;

CREATE TABLE users (
  app_key      TEXT   NOT NULL,
  user_id      TEXT   NOT NULL,
  name         TEXT,
  portrait_uri TEXT,
  created_ms   BIGINT NOT NULL,
  PRIMARY KEY (app_key, user_id)
);

CREATE TABLE token_revocations (
  app_key           TEXT   NOT NULL,
  user_id           TEXT   NOT NULL,
  revoked_before_ms BIGINT NOT NULL,
  changed           BIGINT NOT NULL DEFAULT nextval('state_changes'),
  PRIMARY KEY (app_key, user_id)
);
CREATE INDEX token_revocations_changed ON token_revocations (changed);

CREATE TABLE blocks (
  app_key  TEXT   NOT NULL,
  user_id  TEXT   NOT NULL,
  until_ms BIGINT NOT NULL,
  changed  BIGINT NOT NULL DEFAULT nextval('state_changes'),
  PRIMARY KEY (app_key, user_id)
);
CREATE INDEX blocks_changed ON blocks (changed);

-- The signed API's replay guard, shared by every server process.
CREATE TABLE nonces (
  nonce      TEXT   PRIMARY KEY,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX nonces_expires ON nonces (expires_ms);
