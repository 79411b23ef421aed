package io.imlink.server.cluster.hazelcast.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import io.imlink.api.ErrorCode;
import io.imlink.server.spi.Cluster;
import io.imlink.server.spi.ClusterConfig;
import io.imlink.server.spi.ClusterNode;
import io.imlink.server.spi.SessionEntry;
import io.imlink.server.spi.SessionPolicy;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server node's Hazelcast member and what it shares (see {@code HazelcastClusterProvider}).
 *
 * <p>Split brain. Each side of a split removes the other side's sessions from its directory; the
 * smaller side also loses the partitions whose copies were all on the other side, and its node
 * admits its open sessions there again. When the split heals, Hazelcast merges the smaller side
 * into the larger with the map's default merge policy, {@code PutIfAbsent}: for a user with an
 * entry on both sides the larger side's is kept, and the merging node then admits each of its
 * open sessions again (after the merge's entries are in: Hazelcast fires {@code MERGED} once its
 * merge tasks ended), through the one policy, so that its sessions are in the directory again or
 * are kicked by a newer login of their class. That is enough, and no merge policy of ours is
 * configured: the merging side's entries hold only its own node's sessions (it removed the others'),
 * which it re-admits anyway, so a union would add nothing but two sessions of one device class at
 * once, of which a refused re-admission would leave the loser in the list. ClusterPartitionTest
 * (a cut link) and ClusterFaultTest (a stall) check that nobody is left registered after the merge
 * once they sign out. Not covered: a session that closes while its node is merging (between
 * Hazelcast collecting the node's entries and rejoining) can leave its entry behind, since its
 * removal may run before the merged entry arrives.
 *
 * <p>Thread safety: every method may be called from any thread. Topic messages reach the {@link
 * ClusterNode} on Hazelcast's event threads; entry processors run on the key owner's partition
 * threads.
 */
public final class HazelcastCluster implements Cluster {
  private static final Logger log = LoggerFactory.getLogger(HazelcastCluster.class);
  static final String SESSIONS = "imlink-sessions";
  static final String EVERY_NODE = "imlink-every-node";
  private static final String NODE_TOPIC = "imlink-node-";
  /**
   * The member attribute that carries this server's node id. The id is the server's own (random,
   * per start), not the member's UUID: Hazelcast gives a member a new UUID when it merges back
   * after a split, and the directory's entries and the node's topic must keep their name.
   */
  static final String NODE_ATTRIBUTE = "imlink-node";

  private final HazelcastInstance hz;
  private final String nodeId;
  private final boolean onePerDeviceClass;
  private final IMap<String, ArrayList<SessionEntry>> sessions;
  private final ITopic<Serializable> everyNode;
  private final UUID membershipListener;
  private final UUID partitionLostListener;
  private final java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong();
  private final ClusterNode node;
  /** This node's admitted sessions, by session id: what it registers again after a merge or a lost partition. */
  private final Map<String, Local> admitted = new java.util.concurrent.ConcurrentHashMap<>();

  private record Local(String appKey, String userId, SessionEntry entry) {}

  private HazelcastCluster(HazelcastInstance hz, String nodeId, boolean onePerDeviceClass, ClusterNode node) {
    this.hz = hz;
    this.nodeId = nodeId;
    this.node = node;
    this.onePerDeviceClass = onePerDeviceClass;
    this.sessions = hz.getMap(SESSIONS);
    this.everyNode = hz.getTopic(EVERY_NODE);
    ITopic<Serializable> mine = hz.getTopic(NODE_TOPIC + nodeId);
    mine.addMessageListener(m -> dispatch(node, m.getMessageObject()));
    everyNode.addMessageListener(m -> {
      if (m.getMessageObject() instanceof DisconnectUser d && !d.fromNode().equals(nodeId)) {
        node.disconnectUser(d.appKey(), d.userId(), d.code(), d.reason());
      }
    });
    hz.getLifecycleService().addLifecycleListener(e -> {
      if (e.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED) {
        reregister("merged back into the cluster", true, l -> true);
      }
    });
    // A partition whose every copy was on members that are gone (this node is on the smaller side
    // of a split: with one backup, a third of the keys of a three-node cluster) comes back empty.
    this.partitionLostListener = sessions.addPartitionLostListener(e -> reregister(
        "partition " + e.getPartitionId() + " of the directory was lost with its members", false,
        l -> partitionOf(l) == e.getPartitionId()));
    this.membershipListener = hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        epoch.incrementAndGet();
        log.info("cluster member joined: {}", e.getMember());
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        epoch.incrementAndGet();
        log.info("cluster member left: {}; its sessions leave the directory", e.getMember());
        String gone = e.getMember().getAttribute(NODE_ATTRIBUTE);
        if (gone != null && isOldest()) { // one member cleans up; each entry of the dead node goes
          int users = sessions.executeOnEntries(new RemoveNode(gone, true)).size();
          log.info("removed the sessions of {} user(s) on node {} from the directory", users, gone);
        }
      }
    });
  }

  /** Starts this node's member and joins the cluster its properties name. */
  public static HazelcastCluster join(ClusterConfig config, ClusterNode node) throws IOException {
    String bind = config.property("bind").orElse("127.0.0.1");
    int port = config.property("port").map(p -> parsePort(p)).orElse(5701);
    List<String> members = config.property("members")
        .map(m -> Arrays.stream(m.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList())
        .orElse(List.of(bind + ":" + port));
    Duration joinTimeout = config.property("join-timeout").map(HazelcastCluster::duration).orElse(Duration.ofSeconds(30));
    String nodeId = UUID.randomUUID().toString();
    Config hc = new Config();
    hc.getMemberAttributeConfig().setAttribute(NODE_ATTRIBUTE, nodeId);
    hc.setClusterName(config.property("cluster-name").orElse("imlink"));
    hc.setInstanceName("imlink-" + bind + "-" + port);
    hc.setProperty("hazelcast.logging.type", "slf4j");
    hc.setProperty("hazelcast.phone.home.enabled", "false");
    hc.setProperty("hazelcast.shutdownhook.enabled", "false"); // the server closes it
    hc.setProperty("hazelcast.socket.bind.any", "false");
    hc.setProperty("hazelcast.max.join.seconds", String.valueOf(Math.max(1, joinTimeout.toSeconds())));
    // A member that finds none of the others forms the cluster at once instead of waiting 5 s first.
    hc.setProperty("hazelcast.wait.seconds.before.join", "0");
    hc.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    // A member that stops answering (a stalled process, a cut link) is removed after this long
    // without a heartbeat, and its sessions leave the directory; one that died is removed as soon
    // as its connections fail.
    Duration memberTimeout = config.property("member-timeout").map(HazelcastCluster::duration).orElse(Duration.ofSeconds(10));
    hc.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hc.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(Math.max(2, memberTimeout.toSeconds())));
    hc.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    hc.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    NetworkConfig net = hc.getNetworkConfig();
    net.setPort(port).setPortAutoIncrement(false).setPublicAddress(bind + ":" + port);
    net.getInterfaces().setEnabled(true).addInterface(bind);
    JoinConfig join = net.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members).setConnectionTimeoutSeconds(5);
    HazelcastInstance hz;
    try {
      hz = Hazelcast.newHazelcastInstance(hc);
    } catch (RuntimeException e) {
      throw new IOException("cannot start the Hazelcast member on " + bind + ":" + port + " (members " + members
          + "): " + e.getMessage(), e);
    }
    return new HazelcastCluster(hz, nodeId, config.onePerDeviceClass(), node);
  }

  private static int parsePort(String p) {
    try {
      int port = Integer.parseInt(p.strip());
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the cluster property 'port' must be a port from 1 to 65535, got '" + p + "'");
    }
  }

  private static Duration duration(String s) {
    try {
      return s.startsWith("P") || s.startsWith("p") ? Duration.parse(s) : Duration.ofSeconds(Long.parseLong(s.strip()));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("a cluster duration (join-timeout, member-timeout) must be ISO-8601 (PT30S)"
          + " or seconds, got '" + s + "'");
    }
  }

  private boolean isOldest() {
    Set<Member> members = hz.getCluster().getMembers();
    return !members.isEmpty() && members.iterator().next().localMember();
  }

  private int partitionOf(Local l) {
    return hz.getPartitionService().getPartition(key(l.appKey(), l.userId())).getPartitionId();
  }

  private static String key(String appKey, String userId) {
    return appKey + "\n" + userId;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public long epoch() {
    return epoch.get();
  }

  @Override
  public CompletionStage<SessionPolicy.Decision> admit(String appKey, String userId, SessionEntry incoming,
      boolean reconnect) {
    return sessions.submitToKey(key(appKey, userId), new Admit(incoming, reconnect, onePerDeviceClass))
        .thenApply(d -> {
          SessionPolicy.Decision decision = d.toDecision();
          if (decision.accepted()) {
            admitted.put(incoming.sessionId(), new Local(appKey, userId, incoming));
          }
          return decision;
        });
  }

  /**
   * After this member merged back into the cluster following a split, during which the others
   * removed its sessions from the directory, or after a partition of the directory was lost: each
   * session still open here that {@code which} picks is admitted again, as a reconnect, so that a
   * newer login of its device class made meanwhile on the other side wins, and what that displaces
   * is closed. Logged when {@code always} or when there is something to register.
   *
   * <p>A session here that loses is closed as kicked (31010, {@code DISCONN_KICK}), not with the
   * policy's refusal (31023): 31023 answers a connect, and this session was established and
   * serving; it is displaced by another device's login, as it would have been (31010) had there
   * been no split. (ClusterPartitionTest saw 31023 reach the client before.)
   */
  private void reregister(String why, boolean always, java.util.function.Predicate<Local> which) {
    epoch.incrementAndGet(); // notifications may have been lost too: live sessions read the inbox at their next ping
    List<Local> again = admitted.values().stream().filter(which).toList();
    if (always || !again.isEmpty()) {
      log.info("{}: registering {} of this node's session(s) again", why, again.size());
    }
    for (Local l : again) {
      sessions.submitToKey(key(l.appKey(), l.userId()), new Admit(l.entry(), true, onePerDeviceClass))
          .whenComplete((d, e) -> {
            if (e != null) {
              log.warn("registering session {} of {} again failed", l.entry().sessionId(), l.userId(), e);
              return;
            }
            SessionPolicy.Decision decision = d.toDecision();
            if (!decision.accepted()) {
              admitted.remove(l.entry().sessionId());
              node.disconnect(l.entry().sessionId(), ErrorCode.DISCONN_KICK.code(),
                  "a device of the same class logged in elsewhere while this server was cut off");
              return;
            }
            for (SessionEntry other : decision.kicked()) {
              disconnect(other, ErrorCode.DISCONN_KICK.code(), "another device of the same class logged in");
            }
            if (!admitted.containsKey(l.entry().sessionId())) { // it ended while its admission was on the way
              leave(l.appKey(), l.userId(), l.entry());
            }
          });
    }
  }

  @Override
  public void leave(String appKey, String userId, SessionEntry entry) {
    admitted.remove(entry.sessionId());
    sessions.submitToKey(key(appKey, userId), new Leave(entry.sessionId(), entry.nodeId()))
        .whenComplete((ignored, e) -> {
          if (e != null && hz.getLifecycleService().isRunning()) {
            log.warn("removing session {} of {} from the cluster directory failed", entry.sessionId(), userId, e);
          }
        });
  }

  @Override
  public boolean isOnline(String appKey, String userId) throws IOException {
    try {
      List<SessionEntry> entries = sessions.getAsync(key(appKey, userId)).toCompletableFuture().get(10, TimeUnit.SECONDS);
      return entries != null && !entries.isEmpty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking the cluster", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("the cluster did not answer whether " + userId + " is online: " + e, e);
    }
  }

  @Override
  public void deliver(String appKey, String userId, List<byte[]> messages) {
    sessions.getAsync(key(appKey, userId)).whenComplete((entries, e) -> {
      if (e != null || entries == null) {
        return; // not online elsewhere, or not known: the client syncs
      }
      Set<String> nodes = new LinkedHashSet<>();
      for (SessionEntry s : entries) {
        if (!s.nodeId().equals(nodeId)) {
          nodes.add(s.nodeId());
        }
      }
      for (String n : nodes) {
        hz.getTopic(NODE_TOPIC + n).publishAsync(new Deliver(appKey, userId, new ArrayList<>(messages)));
      }
    });
  }

  @Override
  public void disconnect(SessionEntry entry, int code, String reason) {
    if (entry.nodeId().equals(nodeId)) {
      admitted.remove(entry.sessionId());
      node.disconnect(entry.sessionId(), code, reason);
      return;
    }
    hz.getTopic(NODE_TOPIC + entry.nodeId()).publishAsync(new Disconnect(entry.sessionId(), code, reason));
  }

  @Override
  public void disconnectUser(String appKey, String userId, int code, String reason) {
    everyNode.publishAsync(new DisconnectUser(nodeId, appKey, userId, code, reason));
  }

  private void dispatch(ClusterNode node, Object message) {
    if (message instanceof Deliver d) {
      node.deliver(d.appKey(), d.userId(), d.messages());
    } else if (message instanceof Disconnect d) {
      admitted.remove(d.sessionId());
      node.disconnect(d.sessionId(), d.code(), d.reason());
    }
  }

  @Override
  public java.util.Optional<io.imlink.server.spi.ConnectRateLimiter> connectRateLimiter(double perSecond, int burst,
      java.time.Clock clock) {
    return java.util.Optional.of(
        new HazelcastConnectLimiter(hz.getMap(HazelcastConnectLimiter.BUCKETS), perSecond, burst, clock));
  }

  @Override
  public void close() {
    if (!hz.getLifecycleService().isRunning()) {
      return;
    }
    try {
      hz.getCluster().removeMembershipListener(membershipListener);
      sessions.removePartitionLostListener(partitionLostListener);
      sessions.executeOnEntries(new RemoveNode(nodeId, false)); // this node's sessions are gone with it
    } catch (RuntimeException e) {
      log.warn("removing this node's sessions from the cluster directory failed; the members will on its leave", e);
    } finally {
      hz.shutdown();
    }
  }

  @Override
  public String toString() {
    return "hazelcast " + hz.getCluster().getMembers().size() + " member(s), this one "
        + hz.getCluster().getLocalMember().getAddress();
  }

  // ---- what travels between members (Java-serialized: every node runs the same classes) ----

  record Deliver(String appKey, String userId, ArrayList<byte[]> messages) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  record Disconnect(String sessionId, int code, String reason) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  record DisconnectUser(String fromNode, String appKey, String userId, int code, String reason) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** A decision as it travels back from the key's owner. */
  record DecisionData(int refusal, ArrayList<SessionEntry> kicked, ArrayList<SessionEntry> replaced,
      ArrayList<SessionEntry> next) implements Serializable {
    private static final long serialVersionUID = 1L;

    SessionPolicy.Decision toDecision() {
      return new SessionPolicy.Decision(refusal, List.copyOf(kicked), List.copyOf(replaced), List.copyOf(next));
    }
  }

  /** Admission, atomic on the key's owner: {@link SessionPolicy#admit} over the user's entries. */
  record Admit(SessionEntry incoming, boolean reconnect, boolean onePerDeviceClass)
      implements EntryProcessor<String, ArrayList<SessionEntry>, DecisionData> {
    private static final long serialVersionUID = 1L;

    @Override
    public DecisionData process(Map.Entry<String, ArrayList<SessionEntry>> e) {
      List<SessionEntry> current = e.getValue() == null ? List.of() : e.getValue();
      SessionPolicy.Decision d = SessionPolicy.admit(current, incoming, reconnect, onePerDeviceClass);
      if (d.accepted()) {
        e.setValue(new ArrayList<>(d.next()));
      }
      return new DecisionData(d.refusal(), new ArrayList<>(d.kicked()), new ArrayList<>(d.replaced()),
          new ArrayList<>(d.next()));
    }
  }

  /** Removes one session of a user, if it is still there. */
  record Leave(String sessionId, String nodeId) implements EntryProcessor<String, ArrayList<SessionEntry>, Boolean> {
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<String, ArrayList<SessionEntry>> e) {
      return removeFrom(e, s -> s.sessionId().equals(sessionId) && s.nodeId().equals(nodeId));
    }
  }

  /** Removes the entries {@code which} picks from a user's sessions; the user's key goes with the last. */
  static boolean removeFrom(Map.Entry<String, ArrayList<SessionEntry>> e, java.util.function.Predicate<SessionEntry> which) {
    if (e.getValue() == null) {
      return false;
    }
    ArrayList<SessionEntry> next = new ArrayList<>(e.getValue());
    boolean removed = next.removeIf(which);
    if (removed) {
      e.setValue(next.isEmpty() ? null : next);
    }
    return removed;
  }

  /**
   * Removes every session a node held: one that is closing ({@code ifGone} false), or one that left
   * or died ({@code ifGone} true), and then only while that node is not a member of the cluster
   * the entry is in. A removal ordered for a member that was cut off can run late, after the split
   * healed and the member merged back (a membership event handled slowly, or an operation retried
   * across the merge); without the check it would then delete the sessions that member holds
   * again, and those users would count as offline on every node until they reconnect.
   * (ClusterFaultTest's stall saw this once: after the merge neither user was online anywhere.)
   *
   * <p>Runs on the key owner's partition thread; the member list is the owner's view.
   */
  static final class RemoveNode implements EntryProcessor<String, ArrayList<SessionEntry>, Boolean>,
      HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private final String nodeId;
    private final boolean ifGone;
    private transient HazelcastInstance hz;

    RemoveNode(String nodeId, boolean ifGone) {
      this.nodeId = nodeId;
      this.ifGone = ifGone;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
      this.hz = hz;
    }

    /** True where it removed something, else null: the result map holds only the users it changed. */
    @Override
    public Boolean process(Map.Entry<String, ArrayList<SessionEntry>> e) {
      if (ifGone && isMember()) {
        return null;
      }
      return removeFrom(e, s -> s.nodeId().equals(nodeId)) ? Boolean.TRUE : null;
    }

    private boolean isMember() {
      for (Member m : hz.getCluster().getMembers()) {
        if (nodeId.equals(m.getAttribute(NODE_ATTRIBUTE))) {
          return true;
        }
      }
      return false;
    }
  }
}
