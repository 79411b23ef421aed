package io.imlink.server.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The multi-device policy as a pure function: the same decisions for one node and a cluster. */
class SessionPolicyTest {
  private static final int MOBILE = 1;
  private static final int DESKTOP = 2;

  private static SessionEntry entry(String node, String session, String device, int deviceClass, long firstLogin) {
    return new SessionEntry(node, session, device, deviceClass, firstLogin);
  }

  @Test
  void aNewLoginKicksTheOtherDeviceOfItsClassOnAnyNode() {
    SessionEntry phoneOnNode1 = entry("n1", "s1", "phone-a", MOBILE, 100);
    SessionEntry desktopOnNode1 = entry("n1", "s2", "pc", DESKTOP, 100);
    SessionEntry phoneOnNode2 = entry("n2", "s3", "phone-b", MOBILE, 200);
    SessionPolicy.Decision d = SessionPolicy.admit(List.of(phoneOnNode1, desktopOnNode1), phoneOnNode2, false, true);
    assertThat(d.accepted()).isTrue();
    assertThat(d.kicked()).containsExactly(phoneOnNode1);
    assertThat(d.replaced()).isEmpty();
    assertThat(d.next()).containsExactly(desktopOnNode1, phoneOnNode2);
  }

  @Test
  void aReconnectingDeviceDoesNotKickANewerLoginOfItsClass() {
    SessionEntry newer = entry("n1", "s1", "phone-b", MOBILE, 200);
    SessionEntry back = entry("n2", "s2", "phone-a", MOBILE, 100);
    SessionPolicy.Decision d = SessionPolicy.admit(List.of(newer), back, true, true);
    assertThat(d.refusal()).isEqualTo(31023);
    assertThat(d.kicked()).isEmpty();
    assertThat(d.next()).containsExactly(newer);
    // Not a reconnect: the fresh login wins.
    assertThat(SessionPolicy.admit(List.of(newer), back, false, true).kicked()).containsExactly(newer);
  }

  @Test
  void theSameInstallationReplacesItsStaleSession() {
    SessionEntry stale = entry("n1", "s1", "phone-a", MOBILE, 100);
    SessionEntry again = entry("n2", "s2", "phone-a", MOBILE, 100);
    SessionPolicy.Decision d = SessionPolicy.admit(List.of(stale), again, true, true);
    assertThat(d.accepted()).isTrue();
    assertThat(d.replaced()).containsExactly(stale);
    assertThat(d.kicked()).isEmpty();
    assertThat(d.next()).containsExactly(again);
  }

  @Test
  void anUnspecifiedClassCountsAsDesktopAndAnUnknownOneAsItsOwn() {
    SessionEntry desktop = entry("n1", "s1", "pc", DESKTOP, 100);
    assertThat(SessionPolicy.admit(List.of(desktop), entry("n1", "s2", "other", 0, 200), false, true).kicked())
        .containsExactly(desktop);
    assertThat(SessionPolicy.admit(List.of(desktop), entry("n1", "s3", "odd", -1, 200), false, true).kicked()).isEmpty();
  }

  @Test
  void withoutOnePerClassEveryLoginStaysBesideTheOthers() {
    SessionEntry a = entry("n1", "s1", "phone-a", MOBILE, 100);
    SessionEntry b = entry("n2", "s2", "phone-b", MOBILE, 200);
    SessionPolicy.Decision d = SessionPolicy.admit(List.of(a), b, true, false);
    assertThat(d.accepted()).isTrue();
    assertThat(d.kicked()).isEmpty();
    assertThat(d.next()).containsExactly(a, b);
  }
}
