package io.imlink.storage.sqlite;

import io.imlink.api.ConversationType;
import io.imlink.api.Message;
import io.imlink.api.MessageDirection;
import io.imlink.api.MessageStatus;
import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StoreLocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process that writes messages for ever and prints how many are committed after each batch
 * ({@code committed n}: messages {@code s-0} to {@code s-(n-1)} are durable): the
 * test kills it with SIGKILL mid-write and checks that every reported message survived.
 */
public final class KillableWriter {
  private KillableWriter() {}

  public static void main(String[] args) throws Exception {
    MessageStore store = new SqliteStorageProvider().open(new StoreLocation("app", "victim", Path.of(args[0])));
    long n = 0;
    while (true) {
      List<Message> batch = new ArrayList<>();
      for (int i = 0; i < 100; i++, n++) {
        batch.add(Message.builder().conversationType(ConversationType.PRIVATE).targetId("peer")
            .direction(MessageDirection.RECEIVE).senderUserId("peer").objectName("RC:TxtMsg")
            .content("{\"n\":" + n + "}").serverMessageId("s-" + n).orderKey(n).status(MessageStatus.RECEIVED).build());
      }
      store.insertMessages(batch).get();
      System.out.println("committed " + n);
      System.out.flush();
    }
  }
}
