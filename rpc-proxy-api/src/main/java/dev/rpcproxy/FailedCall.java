package dev.rpcproxy;

import java.lang.reflect.Method;

/**
 * What a {@link Fallback} is told about a call that failed.
 *
 * @param client the client name
 * @param method the interface method that was called
 * @param args the call's arguments (an empty array for none); do not modify
 * @param cause why the call failed: a {@link RpcException} or what a direct target threw
 */
public record FailedCall(String client, Method method, Object[] args, Throwable cause) {}
