package dev.rpcproxy.samples.order;

/** One dish on a restaurant's menu, as the restaurant service's JSON has it. */
public record MenuItem(String id, String name, long priceCents) {}
