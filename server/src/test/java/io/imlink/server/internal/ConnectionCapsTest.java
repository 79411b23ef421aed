package io.imlink.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ConnectionCapsTest {
  private static final InetSocketAddress A1 = new InetSocketAddress("127.0.0.1", 40001);
  private static final InetSocketAddress A2 = new InetSocketAddress("127.0.0.1", 40002);
  private static final InetSocketAddress B = new InetSocketAddress("127.0.0.2", 40003);

  @Test
  void anAddressOverItsCapIsRefusedWhileOthersAreNotAndAClosedConnectionFreesItsPlace() {
    ConnectionCaps caps = new ConnectionCaps(10, 1);
    assertThat(caps.opened(A1)).isNull();
    assertThat(caps.opened(A2)).as("the same address, another port").contains("from this address: at most 1");
    assertThat(caps.opened(B)).as("another address").isNull();
    assertThat(caps.openConnections()).isEqualTo(3);
    caps.closed(A2);
    caps.closed(A1);
    assertThat(caps.opened(A2)).as("once the address's connections closed").isNull();
    assertThat(caps.openConnections()).isEqualTo(2);
  }

  @Test
  void theServerWideCapCountsEveryConnectionOpenRefusedOnesIncluded() {
    ConnectionCaps caps = new ConnectionCaps(2, 100);
    assertThat(caps.opened(A1)).isNull();
    assertThat(caps.opened(B)).isNull();
    assertThat(caps.opened(A2)).contains("the server holds its maximum of 2");
    assertThat(caps.opened(A2)).as("the refused one still holds a socket").isNotNull();
    caps.closed(A2);
    caps.closed(A2);
    caps.closed(B);
    assertThat(caps.opened(B)).isNull();
  }

  @Test
  void capsBelowOneAreRefused() {
    assertThatThrownBy(() -> new ConnectionCaps(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ConnectionCaps(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
