package dev.rpcproxy.reliability;

import dev.rpcproxy.reliability.proto.Item;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of broken gRPC answers for a unary call: the response message's bytes
 * (truncated, bit-flipped, huge length prefixes inside the message, invalid UTF-8 in a string
 * field, deeply nested unknown groups, random bytes, oversized), how many messages are sent (0, 1
 * or 2), the closing status (any code, descriptions with control and non-ASCII characters) and
 * trailers (garbage {@code grpc-retry-pushback-ms}), or no answer at all. Same seed, same cases.
 */
final class GrpcAnswerFuzzer {
  static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  /** One generated answer. {@code status} OK with {@code messages} 1 is a normal answer. */
  record Case(int index, String mutations, byte[] message, int messages, Status status, String pushback, boolean hang) {
    @Override
    public String toString() {
      return "case " + index + " [" + mutations + "] " + (message == null ? 0 : message.length) + " bytes x" + messages
          + ", " + status.getCode() + (pushback != null ? ", pushback '" + pushback + "'" : "") + (hang ? ", hangs" : "");
    }
  }

  private static final List<String> MUTATIONS = List.of("truncate", "bitflip", "huge-field-length", "invalid-utf8",
      "deep-groups", "random-bytes", "oversized", "no-message", "two-messages", "random-status", "weird-description",
      "pushback-garbage", "hang", "empty-message", "unknown-fields");

  private final Random random;
  private int index;

  GrpcAnswerFuzzer(long seed) {
    this.random = new Random(seed);
  }

  Case next() {
    byte[] message = Item.newBuilder().setId(1).setSeq(2).setSource("server").setPayload("item-1 \u00e9").build().toByteArray();
    int messages = 1;
    Status status = Status.OK;
    String pushback = null;
    boolean hang = false;
    StringBuilder mutations = new StringBuilder();
    int rounds = 1 + random.nextInt(3);
    for (int r = 0; r < rounds; r++) {
      String m = MUTATIONS.get(random.nextInt(MUTATIONS.size()));
      mutations.append(mutations.length() == 0 ? "" : "+").append(m);
      switch (m) {
        case "truncate" -> message = Arrays.copyOf(message, random.nextInt(message.length + 1));
        case "bitflip" -> {
          message = message.clone();
          for (int i = 0, n = 1 + random.nextInt(6); i < n && message.length > 0; i++) {
            message[random.nextInt(message.length)] ^= (byte) (1 << random.nextInt(8));
          }
        }
        // field 4 (payload, length-delimited) claiming ~4 GiB / 2^63
        case "huge-field-length" -> message = concat(message, random.nextBoolean()
            ? new byte[] {0x22, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 'a'}
            : new byte[] {0x22, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, (byte) 0xff, 0x7f, 'a'});
        case "invalid-utf8" -> message = concat(message, new byte[] {0x1a, 0x03, (byte) 0xc3, 0x28, (byte) 0xff});
        case "deep-groups" -> {
          int depth = 50 + random.nextInt(5_000);
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          for (int i = 0; i < depth; i++) {
            out.write(0x2b); // field 5, start group (unknown to Item)
          }
          for (int i = 0; i < depth; i++) {
            out.write(0x2c); // field 5, end group
          }
          message = concat(message, out.toByteArray());
        }
        case "random-bytes" -> {
          message = new byte[random.nextInt(200)];
          random.nextBytes(message);
        }
        case "oversized" -> message = concat(new byte[] {0x22}, varint(5 << 20), new byte[5 << 20]);
        case "no-message" -> messages = 0;
        case "two-messages" -> messages = 2;
        case "empty-message" -> message = new byte[0];
        case "unknown-fields" -> message = concat(message, new byte[] {(byte) 0xf8, (byte) 0xff, (byte) 0xff, 0x0f, 0x01});
        case "random-status" -> status = Status.fromCodeValue(1 + random.nextInt(16));
        case "weird-description" -> status = (status.isOk() ? Status.UNAVAILABLE : status)
            .withDescription("line1\nline2\r\u0000 \u00e9\u4e2d%%%" + "d".repeat(random.nextInt(20_000)));
        case "pushback-garbage" -> {
          status = Status.UNAVAILABLE;
          pushback = List.of("-1", "abc", "99999999999999999999", "", "1.5", "\u00ff", "2147483648").get(random.nextInt(7));
        }
        case "hang" -> hang = true;
        default -> throw new IllegalStateException(m);
      }
    }
    return new Case(index++, mutations.toString(), message, messages, status, pushback, hang);
  }

  private static byte[] varint(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((value & ~0x7fL) != 0) {
      out.write((int) ((value & 0x7f) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    return HttpResponseFuzzer.concat(parts);
  }
}
