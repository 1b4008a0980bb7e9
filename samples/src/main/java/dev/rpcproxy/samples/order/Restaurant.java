package dev.rpcproxy.samples.order;

import java.util.List;
import java.util.Optional;

/** A restaurant and its menu, as {@code GET /restaurants/{id}} returns it. */
public record Restaurant(long id, String name, List<MenuItem> menu) {

  public Restaurant {
    menu = List.copyOf(menu);
  }

  /** The menu item with this id, if the restaurant serves it. */
  public Optional<MenuItem> item(String itemId) {
    return menu.stream().filter(item -> item.id().equals(itemId)).findFirst();
  }
}
