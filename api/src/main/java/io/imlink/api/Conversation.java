package io.imlink.api;

import java.util.Objects;

/**
 * A conversation as the local store sees it: its last message and how many received messages are
 * unread. Immutable.
 *
 * @param type the kind of conversation
 * @param targetId its id (the other user for {@link ConversationType#PRIVATE})
 * @param lastMessage the latest message in the conversation's order
 * @param unreadCount received messages not yet marked read
 */
public record Conversation(ConversationType type, String targetId, Message lastMessage, int unreadCount) {
  public Conversation {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(targetId, "targetId");
    Objects.requireNonNull(lastMessage, "lastMessage");
  }
}
