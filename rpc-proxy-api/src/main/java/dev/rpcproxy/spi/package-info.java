/**
 * What a new transport implements: {@link dev.rpcproxy.spi.Transport} binds each interface method
 * once into a {@link dev.rpcproxy.spi.BoundMethod}, which performs attempts under a
 * {@link dev.rpcproxy.spi.AttemptContext} (its deadline, number and kind).
 */
package dev.rpcproxy.spi;
