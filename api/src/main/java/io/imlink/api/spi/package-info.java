/**
 * Service-provider interfaces of imlink: what a transport, a storage backend or an engine
 * implementation provides, found at run time through {@link java.util.ServiceLoader}.
 *
 * <h2>Transports</h2>
 *
 * A {@link io.imlink.api.spi.TransportProvider} carries opaque byte frames between a client and a
 * server over one family of URI schemes ({@code tcp}, {@code ws}/{@code wss}, {@code grpc}/{@code
 * grpcs}…). It offers a client side, a {@link io.imlink.api.spi.Connector}, and a server side, an
 * {@link io.imlink.api.spi.Acceptor}. Both produce {@link io.imlink.api.spi.FrameChannel}s whose
 * events go to a {@link io.imlink.api.spi.FrameHandler}. The transports are interchangeable: the
 * engine and the server see only these types, and the same contract suite ({@code imlink-tck}) runs
 * against every transport.
 *
 * <p>The lifecycle of a channel, whichever side it is on:
 *
 * <ol>
 *   <li>The channel opens: on the client, the future returned by {@link
 *       io.imlink.api.spi.Connector#connect} completes with it; on the server, {@link
 *       io.imlink.api.spi.AcceptHandler#onAccepted} receives it and returns its handler. No handler
 *       method is called before that.
 *   <li>Each frame the peer sent arrives whole and in order through {@link
 *       io.imlink.api.spi.FrameHandler#onFrame}, on a transport I/O thread, never concurrently for
 *       one channel.
 *   <li>Either side may {@link io.imlink.api.spi.FrameChannel#send send} at any time from any thread;
 *       frames from one thread go out in call order.
 *   <li>The channel closes for one of these reasons: a local {@link
 *       io.imlink.api.spi.FrameChannel#close close}, the peer closing, a reset, an oversized frame,
 *       the acceptor or connector being closed. Whatever the reason, {@link
 *       io.imlink.api.spi.FrameHandler#onClosed} is called exactly once, after the last {@code
 *       onFrame}, and the channel never opens again. A side that closes with {@link
 *       io.imlink.api.spi.FrameChannel#close(int, String) close(code, reason)} also tells the peer
 *       why where the transport has the means (WebSocket close codes both ways, gRPC statuses from
 *       the server; not TCP): for a code other than 0, the peer's cause is then a {@link
 *       io.imlink.api.spi.RemoteCloseException}.
 * </ol>
 *
 * <h2>Storage</h2>
 *
 * A {@link io.imlink.api.spi.StorageProvider} opens a {@link io.imlink.api.spi.MessageStore} for
 * one user of one app key. The engine opens it when {@code connect} is called, before the network
 * result, and closes it when the session ends.
 *
 * <h2>Discovery</h2>
 *
 * Providers are registered in {@code META-INF/services}. The engine snapshots them once when it is
 * built, drops the ones whose {@code isAvailable()} is false, and prefers the highest {@code
 * priority()}, ties broken by class name. A provider that fails to load is logged and skipped.
 */
package io.imlink.api.spi;
