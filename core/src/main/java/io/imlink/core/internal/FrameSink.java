package io.imlink.core.internal;

import io.imlink.protocol.v1.Frame;

/**
 * Where the engine writes the frames of one connection. A frame the connection cannot carry (over
 * its maximum frame size) is not dropped quietly: the connection is closed and reported lost with
 * 30014, and the engine reconnects.
 *
 * <p>Thread: the engine's loop.
 */
interface FrameSink {
  /** Queues {@code frame}; false if the connection is closed or closing (the frame is not sent). */
  boolean send(Frame frame);
}
