package io.imlink.api;

/**
 * The class of device an engine runs on. The server keeps one session per user and device class:
 * a newer login of the same class replaces the older one.
 *
 * <p>Thread safety: an immutable enum, usable from any thread.
 */
public enum DeviceClass {
  /** Phones and tablets. */
  MOBILE,
  /** Desktop and server applications; the default of the Java SDK. */
  DESKTOP,
  /** Browser-based clients. */
  WEB
}
