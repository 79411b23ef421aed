package io.imlink.server.internal;

/** A user of an app: the unit of tokens, blocks and sessions. */
public record UserKey(String appKey, String userId) {}
