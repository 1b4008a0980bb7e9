package dev.rpcproxy.samples.order;

/** An accepted order: the kitchen's ticket and what it costs. */
public record PlacedOrder(String ticketId, String restaurant, long totalCents) {}
