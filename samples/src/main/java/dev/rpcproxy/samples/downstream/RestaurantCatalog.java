package dev.rpcproxy.samples.downstream;

import dev.rpcproxy.samples.order.MenuItem;
import dev.rpcproxy.samples.order.Restaurant;
import java.util.List;
import java.util.Optional;

/** The restaurants the demo's restaurant service knows: ids 1 to {@value #COUNT}, three dishes each. */
public final class RestaurantCatalog {
  /** Restaurants in the catalog. */
  public static final int COUNT = 5;
  /** Dishes per restaurant, with ids {@code "<restaurant>-1"} to {@code "<restaurant>-3"}. */
  public static final int DISHES = 3;

  private static final List<Restaurant> RESTAURANTS = List.of(
      new Restaurant(1, "Ajanta", List.of(
          new MenuItem("1-1", "Chicken Vindaloo", 1250),
          new MenuItem("1-2", "Dal Makhani", 990),
          new MenuItem("1-3", "Garlic Naan", 350))),
      new Restaurant(2, "Mission Burrito", List.of(
          new MenuItem("2-1", "Carnitas Burrito", 1100),
          new MenuItem("2-2", "Veggie Bowl", 950),
          new MenuItem("2-3", "Chips & Salsa", 400))),
      new Restaurant(3, "Pho Saigon", List.of(
          new MenuItem("3-1", "Pho Bo", 1300),
          new MenuItem("3-2", "Banh Mi", 800),
          new MenuItem("3-3", "Spring Rolls", 600))),
      new Restaurant(4, "Luigi's", List.of(
          new MenuItem("4-1", "Margherita", 1050),
          new MenuItem("4-2", "Lasagne", 1400),
          new MenuItem("4-3", "Tiramisu", 650))),
      new Restaurant(5, "Green Bowl", List.of(
          new MenuItem("5-1", "Falafel Bowl", 1150),
          new MenuItem("5-2", "Lentil Soup", 700),
          new MenuItem("5-3", "Lemonade", 300))));

  private RestaurantCatalog() {}

  /** The restaurant with this id, if there is one. */
  public static Optional<Restaurant> find(long id) {
    return id >= 1 && id <= COUNT ? Optional.of(RESTAURANTS.get((int) id - 1)) : Optional.empty();
  }
}
