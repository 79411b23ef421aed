package io.imlink.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the {@link HttpApi}: reads one request at a time (the channel does not read on
 * its own: each read is asked for), bounds the time for its headers, its body and the wait for the
 * next request on a kept-alive connection, refuses a body over {@link HttpApi#MAX_BODY} (413)
 * before reading it, and hands the whole request to the API's worker pool; the answer is written
 * back from the I/O thread.
 *
 * <p>Threads: every method runs on the connection's Netty I/O thread, except the endpoint, which
 * runs on a worker thread and hands its answer back through the event loop.
 */
final class HttpApiConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(HttpApiConnection.class);
  /** Netty's defaults for the request line and the header block; one over them is answered 400. */
  private static final int MAX_INITIAL_LINE = 4096;
  private static final int MAX_HEADER_BYTES = 8192;

  private enum State {
    /** Kept alive, waiting for the first byte of the next request (idle timeout). */
    IDLE,
    /** Reading a request line and headers (header timeout). */
    HEADERS,
    /** Reading the body of an accepted request (body timeout). */
    BODY,
    /** Reading and dropping the body of a request already refused, then answering it. */
    DISCARD,
    /** The endpoint runs or the answer is being written: nothing is read. */
    BUSY,
    /** Refused for good: the answer is written, what still comes is dropped until the close. */
    CLOSING
  }

  private final HttpApi api;
  private State state = State.HEADERS;
  private ScheduledFuture<?> timer;
  private HttpRequest request;
  private String path;
  private boolean keepAlive;
  private ByteArrayOutputStream body;
  private HttpApi.ApiError refusal;
  /** Bytes of a refused request's body dropped so far: past {@link HttpApi#MAX_BODY} it is answered and closed. */
  private long discarded;
  /**
   * Messages decoded while a request is answered (the codec may read ahead, and a client may
   * pipeline): handled in order once the answer is written.
   */
  private final ArrayDeque<Object> pending = new ArrayDeque<>();

  private HttpApiConnection(HttpApi api) {
    this.api = api;
  }

  /** Adds the HTTP codec and a connection handler; {@code overCap}: answer 503 and close. */
  static void configure(ChannelPipeline pipeline, HttpApi api, boolean overCap) {
    HttpApiConnection connection = new HttpApiConnection(api);
    pipeline.addLast("first-byte", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        connection.bytesArrived(ctx);
        ctx.fireChannelRead(msg);
      }
    });
    pipeline.addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 64 * 1024));
    pipeline.addLast(overCap ? new OverCap(api) : connection);
  }

  /** Answers 503 to a connection over {@link HttpApi.Options#maxConnections} and closes it. */
  private static final class OverCap extends ChannelInboundHandlerAdapter {
    private final HttpApi api;

    OverCap(HttpApi api) {
      this.api = api;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      log.debug("HTTP API connection from {} refused: over {} connections", ctx.channel().remoteAddress(),
          api.options().maxConnections());
      HttpApi.Answer a = api.error(new HttpApi.ApiError(503, HttpApi.INTERNAL_ERROR,
          "server busy: too many connections, try again later"));
      ctx.writeAndFlush(response(api, a, false, HttpVersion.HTTP_1_1)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    arm(ctx, api.options().headerTimeout());
    ctx.read();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    disarm();
    state = State.CLOSING;
    pending.forEach(ReferenceCountUtil::release);
    pending.clear();
    ctx.fireChannelInactive();
  }

  /** Raw bytes came in (before decoding): the next request has begun, its header timeout runs. */
  private void bytesArrived(ChannelHandlerContext ctx) {
    if (state == State.IDLE) {
      state = State.HEADERS;
      arm(ctx, api.options().headerTimeout());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.BUSY) {
      if (pending.size() > 64) { // a client that pipelines without end: it has had its answers so far
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      pending.add(msg);
      return;
    }
    process(ctx, msg);
    if (state != State.BUSY && state != State.CLOSING) {
      ctx.read();
    }
  }

  private void process(ChannelHandlerContext ctx, Object msg) {
    try {
      if (state == State.CLOSING) {
        return;
      }
      if (msg instanceof DecoderResultProvider d && d.decoderResult().isFailure()) {
        refuseAndClose(ctx, new HttpApi.ApiError(400, HttpApi.BAD_PARAMETER,
            "malformed HTTP request: " + d.decoderResult().cause().getMessage()), HttpVersion.HTTP_1_1);
        return;
      }
      if (msg instanceof HttpRequest r) {
        if (state == State.IDLE) {
          state = State.HEADERS; // read ahead before the answer: its first bytes went by while busy
        }
        head(ctx, r);
      }
      if (msg instanceof HttpContent c && (state == State.BODY || state == State.DISCARD)) {
        content(ctx, c);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void head(ChannelHandlerContext ctx, HttpRequest r) {
    request = r;
    keepAlive = HttpUtil.isKeepAlive(r);
    String method = r.method().name();
    try {
      path = new QueryStringDecoder(r.uri()).path();
    } catch (IllegalArgumentException e) {
      refuseAndClose(ctx, new HttpApi.ApiError(400, HttpApi.BAD_PARAMETER, "malformed request path"), r.protocolVersion());
      return;
    }
    long declared;
    try {
      declared = HttpUtil.getContentLength(r, -1L);
    } catch (NumberFormatException e) {
      refuseAndClose(ctx, new HttpApi.ApiError(400, HttpApi.BAD_PARAMETER, "malformed Content-Length"), r.protocolVersion());
      return;
    }
    HttpApi.ApiError refused = api.checkHead(method, path, declared);
    if (refused != null && refused.status == 413) {
      refuseAndClose(ctx, refused, r.protocolVersion());
      return;
    }
    refusal = refused;
    discarded = 0;
    body = refused == null ? new ByteArrayOutputStream(declared > 0 ? (int) declared : 256) : null;
    state = refused == null ? State.BODY : State.DISCARD;
    if (refused == null && HttpUtil.is100ContinueExpected(r)) {
      ctx.writeAndFlush(new DefaultFullHttpResponse(r.protocolVersion(), HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    arm(ctx, api.options().bodyTimeout());
  }

  private void content(ChannelHandlerContext ctx, HttpContent c) {
    ByteBuf bytes = c.content();
    if (state == State.BODY) {
      if (body.size() + (long) bytes.readableBytes() > HttpApi.MAX_BODY) {
        refuseAndClose(ctx, new HttpApi.ApiError(413, HttpApi.TOO_LONG,
            "request body over " + HttpApi.MAX_BODY + " bytes"), request.protocolVersion());
        return;
      }
      body.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(bytes));
    } else if ((discarded += bytes.readableBytes()) > HttpApi.MAX_BODY) {
      refuseAndClose(ctx, refusal, request.protocolVersion()); // answered at once, and no more is read
      return;
    }
    if (c instanceof LastHttpContent) {
      if (state == State.DISCARD) {
        state = State.BUSY;
        disarm();
        write(ctx, api.error(refusal));
      } else {
        dispatch(ctx);
      }
    }
  }

  private void dispatch(ChannelHandlerContext ctx) {
    state = State.BUSY;
    disarm();
    HttpApi.Request whole = new HttpApi.Request(request.method().name(), path, request.headers(),
        ctx.channel().remoteAddress(), body.toByteArray());
    body = null;
    try {
      api.workers().execute(() -> {
        HttpApi.Answer answer = api.handle(whole);
        ctx.executor().execute(() -> write(ctx, answer));
      });
    } catch (RejectedExecutionException e) {
      log.debug("HTTP API {} from {} refused: every worker busy and {} waiting", path, ctx.channel().remoteAddress(),
          api.options().workerQueue());
      write(ctx, api.error(new HttpApi.ApiError(503, HttpApi.INTERNAL_ERROR, "server busy: try again later")));
    }
  }

  /** Writes the answer to the current request; then waits for the next one or closes. */
  private void write(ChannelHandlerContext ctx, HttpApi.Answer answer) {
    if (!ctx.channel().isActive()) {
      return;
    }
    ctx.writeAndFlush(response(api, answer, keepAlive, request.protocolVersion())).addListener(f -> {
      if (!f.isSuccess() || !keepAlive) {
        ctx.close();
        return;
      }
      request = null;
      refusal = null;
      state = State.IDLE;
      arm(ctx, api.options().idleTimeout());
      while (!pending.isEmpty() && state != State.BUSY && state != State.CLOSING) {
        process(ctx, pending.poll());
      }
      if (state != State.BUSY && state != State.CLOSING) {
        ctx.read();
      }
    });
  }

  /**
   * Answers {@code error} and closes: the output is shut first, so that the client reads the whole
   * answer, and what it still sends is read and dropped for at most the body timeout (closing with
   * unread bytes would reset the connection and could destroy the answer before it is read).
   */
  private void refuseAndClose(ChannelHandlerContext ctx, HttpApi.ApiError error, HttpVersion version) {
    state = State.CLOSING;
    keepAlive = false;
    body = null;
    ctx.writeAndFlush(response(api, api.error(error), false, version)).addListener(f -> {
      if (f.isSuccess() && ctx.channel() instanceof DuplexChannel duplex && ctx.pipeline().get("ssl") == null) {
        duplex.shutdownOutput();
        arm(ctx, api.options().bodyTimeout());
        drain(ctx);
      } else {
        ctx.close();
      }
    });
  }

  /** Reads and drops what the client still sends until it closes (or the timer closes first). */
  private void drain(ChannelHandlerContext ctx) {
    ctx.pipeline().addFirst("drain", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext c, Object msg) {
        ReferenceCountUtil.release(msg);
        c.read();
      }
    });
    ctx.read();
  }

  static FullHttpResponse response(HttpApi api, HttpApi.Answer answer, boolean keepAlive, HttpVersion version) {
    FullHttpResponse response = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(answer.status()),
        Unpooled.wrappedBuffer(answer.body()));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length)
        .set(HttpHeaderNames.DATE, DateFormatter.format(new Date()));
    if (!keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (version == HttpVersion.HTTP_1_0) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    return response;
  }

  /** Closes the connection after {@code timeout} unless re-armed or disarmed: 408 if a request was under way. */
  private void arm(ChannelHandlerContext ctx, Duration timeout) {
    disarm();
    State armedIn = state;
    timer = ctx.executor().schedule(() -> {
      if (state != armedIn) {
        return;
      }
      if (state == State.HEADERS || state == State.BODY || state == State.DISCARD) {
        String what = state == State.HEADERS ? "headers" : "body";
        log.debug("HTTP API connection from {}: request {} not received within {}", ctx.channel().remoteAddress(),
            what, timeout);
        refuseAndClose(ctx, new HttpApi.ApiError(408, HttpApi.BAD_PARAMETER,
            "request " + what + " not received within " + timeout.toMillis() + " ms"),
            request != null ? request.protocolVersion() : HttpVersion.HTTP_1_1);
      } else {
        ctx.close();
      }
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void disarm() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("HTTP API connection from {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
