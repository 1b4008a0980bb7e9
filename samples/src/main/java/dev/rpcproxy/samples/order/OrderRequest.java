package dev.rpcproxy.samples.order;

import java.util.List;

/** What a consumer asks for: dishes of one restaurant. */
public record OrderRequest(long consumerId, long restaurantId, List<Line> lines) {

  public OrderRequest {
    lines = List.copyOf(lines);
  }

  /** A dish and how many. */
  public record Line(String menuItemId, int quantity) {}
}
