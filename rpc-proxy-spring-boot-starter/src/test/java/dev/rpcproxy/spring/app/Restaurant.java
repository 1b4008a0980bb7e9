package dev.rpcproxy.spring.app;

/** The restaurant service's JSON; its unknown properties are ignored. */
public record Restaurant(long id, String name) {}
