package io.imlink.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.ConnectionStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The phase table and the statuses derived from it. */
class ConnectionMachineTest {
  private final LoopFixture fixture = new LoopFixture();
  private final List<String> trace = new ArrayList<>();
  private final ConnectionMachine machine;

  ConnectionMachineTest() {
    Listeners listeners = new Listeners(Runnable::run); // callbacks run at once: the trace is exact
    listeners.status().add((s, reason) -> trace.add(s + "(" + reason + ")"));
    machine = new ConnectionMachine(fixture.loop, listeners);
  }

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void aSessionsStatusesFollowItsPhases() {
    fixture.run(() -> {
      machine.begin();
      machine.enter(Phase.AWAITING_ACK, 0);
      machine.enter(Phase.BACKOFF, 30002); // never connected yet: still "connecting"
      machine.enter(Phase.CONNECTING, 0);
      machine.enter(Phase.AWAITING_ACK, 0);
      machine.enter(Phase.CONNECTED, 0);
      machine.enter(Phase.BACKOFF, 30011); // lost: a reconnect follows
      machine.enter(Phase.CONNECTING, 0);
      machine.enter(Phase.CONNECTING, 0); // the next server of the cycle
      machine.enter(Phase.AWAITING_ACK, 0);
      machine.enter(Phase.REFRESHING_TOKEN, 31004);
      machine.enter(Phase.CONNECTING, 0);
      machine.enter(Phase.AWAITING_ACK, 0);
      machine.enter(Phase.CONNECTED, 0);
      machine.end(ConnectionStatus.SIGN_OUT, 0);
    });
    assertThat(trace).containsExactly("CONNECTING(0)", "CONNECTED(0)", "SUSPEND(30011)", "CONNECTING(0)",
        "SUSPEND(31004)", "CONNECTING(0)", "CONNECTED(0)", "SIGN_OUT(0)");
    assertThat(machine.status()).isEqualTo(ConnectionStatus.SIGN_OUT);
  }

  @Test
  void aNewSessionStartsAsAFirstConnectAgain() {
    fixture.run(() -> {
      machine.begin();
      machine.enter(Phase.AWAITING_ACK, 0);
      machine.enter(Phase.CONNECTED, 0);
      machine.end(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT, 31010);
      machine.begin();
      machine.enter(Phase.BACKOFF, 30002);
    });
    assertThat(trace).containsExactly("CONNECTING(0)", "CONNECTED(0)", "KICKED_OFFLINE_BY_OTHER_CLIENT(31010)",
        "CONNECTING(0)");
    assertThat(fixture.call(machine::everConnected)).isFalse();
  }

  @Test
  void illegalMovesAreRefusedAndChangeNothing() {
    assertThatThrownBy(() -> fixture.run(() -> machine.enter(Phase.CONNECTED, 0)))
        .isInstanceOf(IllegalStateException.class).hasMessage("illegal connection move IDLE -> CONNECTED");
    fixture.run(() -> {
      machine.begin();
      machine.enter(Phase.AWAITING_ACK, 0);
      machine.enter(Phase.CONNECTED, 0);
    });
    assertThatThrownBy(() -> fixture.run(() -> machine.enter(Phase.AWAITING_ACK, 0)))
        .hasMessage("illegal connection move CONNECTED -> AWAITING_ACK");
    assertThatThrownBy(() -> fixture.run(machine::begin)).hasMessageContaining("only from IDLE");
    assertThat(fixture.call(machine::phase)).isEqualTo(Phase.CONNECTED);
    assertThat(trace).containsExactly("CONNECTING(0)", "CONNECTED(0)");
  }

  @Test
  void closedIsFinalAndReportsSignOutOnlyForAWorkingSession() {
    fixture.run(() -> {
      machine.begin();
      machine.close();
    });
    assertThat(trace).containsExactly("CONNECTING(0)", "SIGN_OUT(0)");
    for (Phase p : Phase.values()) {
      assertThat(Phase.CLOSED.allows(p)).as("CLOSED -> " + p).isFalse();
    }
    assertThatThrownBy(() -> fixture.run(machine::begin)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void movesOffTheLoopAreRefused() {
    assertThatThrownBy(machine::begin).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("not on the engine's loop");
    assertThat(machine.status()).as("any thread may read the status").isEqualTo(ConnectionStatus.UNCONNECTED);
  }

  @Test
  void everyWorkingPhaseCanEndAndClose() {
    for (Phase p : Phase.values()) {
      if (p != Phase.IDLE && p != Phase.CLOSED) {
        assertThat(p.allows(Phase.IDLE)).as(p + " -> IDLE").isTrue();
        assertThat(p.allows(Phase.CLOSED)).as(p + " -> CLOSED").isTrue();
      }
    }
    assertThat(Phase.IDLE.allows(Phase.CONNECTED)).isFalse();
    assertThat(Phase.BACKOFF.allows(Phase.CONNECTED)).as("no connection without a handshake").isFalse();
    assertThat(Phase.CONNECTING.allows(Phase.CONNECTED)).isFalse();
  }
}
