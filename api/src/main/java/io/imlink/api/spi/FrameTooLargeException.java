package io.imlink.api.spi;

import java.io.IOException;

/**
 * The peer announced or sent a frame larger than the channel's maximum frame size. The transport
 * refuses it before buffering it and closes the channel with this cause.
 */
public final class FrameTooLargeException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long size;
  private final int maxFrameSize;

  /**
   * @param size the announced or actual size in bytes (-1 if unknown)
   * @param maxFrameSize the channel's limit in bytes
   */
  public FrameTooLargeException(long size, int maxFrameSize) {
    super(
        "frame of "
            + (size < 0 ? "unknown size" : size + " bytes")
            + " exceeds the maximum frame size of "
            + maxFrameSize
            + " bytes");
    this.size = size;
    this.maxFrameSize = maxFrameSize;
  }

  /** The announced or actual size in bytes, or -1 if unknown. */
  public long size() {
    return size;
  }

  /** The channel's limit in bytes. */
  public int maxFrameSize() {
    return maxFrameSize;
  }
}
