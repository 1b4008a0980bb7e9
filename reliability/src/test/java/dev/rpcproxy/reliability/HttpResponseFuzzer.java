package dev.rpcproxy.reliability;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of broken HTTP/1.1 responses: valid responses (Content-Length and chunked
 * JSON, error bodies, 204) put through one or more mutations (truncation, bit flips, huge or bad
 * lengths, bad chunk sizes, invalid UTF-8, deep JSON nesting, garbage status lines and headers,
 * never-ending answers). The same seed gives the same cases.
 */
final class HttpResponseFuzzer {
  /** One generated answer: the bytes to send, whether to keep the connection open after them (a hang). */
  record Case(int index, String mutations, byte[] bytes, boolean hang) {
    @Override
    public String toString() {
      String text = new String(bytes, 0, Math.min(bytes.length, 160), StandardCharsets.ISO_8859_1)
          .replace("\r", "\\r").replace("\n", "\\n");
      return "case " + index + " [" + mutations + "] " + bytes.length + " bytes" + (hang ? ", then hangs" : "")
          + ": " + text;
    }
  }

  private static final String JSON = "{\"id\":7,\"seq\":42,\"source\":\"server\",\"payload\":\"item-7 \u00e9\u00e8\"}";
  private static final List<String> MUTATIONS = List.of("truncate", "bitflip", "huge-length", "negative-length",
      "bad-length", "bad-chunk-size", "huge-chunk-size", "chunk-no-crlf", "invalid-utf8", "deep-nesting",
      "garbage-status", "huge-status", "no-reason", "http10", "bad-header", "long-header", "both-lengths",
      "retry-after-garbage", "insert-bytes", "hang", "empty", "duplicate-length");

  private final Random random;
  private int index;

  HttpResponseFuzzer(long seed) {
    this.random = new Random(seed);
  }

  Case next() {
    int template = random.nextInt(5);
    String status = "200 OK";
    String body = JSON;
    boolean chunked = false;
    switch (template) {
      case 1 -> chunked = true;
      case 2 -> {
        status = "503 Service Unavailable";
        body = "overloaded";
      }
      case 3 -> {
        status = "204 No Content";
        body = "";
      }
      case 4 -> body = "[" + JSON + "," + JSON + "]";
      default -> { }
    }
    StringBuilder mutations = new StringBuilder();
    String head = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n";
    byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
    String framing = chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bodyBytes.length + "\r\n";
    boolean hang = false;
    int rounds = 1 + random.nextInt(3);
    byte[] whole = null;
    for (int r = 0; r < rounds; r++) {
      String m = MUTATIONS.get(random.nextInt(MUTATIONS.size()));
      mutations.append(mutations.length() == 0 ? "" : "+").append(m);
      switch (m) {
        case "huge-length" -> framing = "Content-Length: " + (random.nextBoolean() ? Long.MAX_VALUE : "99999999999999999999") + "\r\n";
        case "negative-length" -> framing = "Content-Length: -" + (1 + random.nextInt(100)) + "\r\n";
        case "bad-length" -> framing = "Content-Length: 1x" + random.nextInt(9) + "\r\n";
        case "duplicate-length" -> framing = "Content-Length: " + bodyBytes.length + "\r\nContent-Length: " + (bodyBytes.length + 3) + "\r\n";
        case "both-lengths" -> framing = "Transfer-Encoding: chunked\r\nContent-Length: " + bodyBytes.length + "\r\n";
        case "bad-chunk-size", "huge-chunk-size", "chunk-no-crlf" -> {
          chunked = true;
          framing = "Transfer-Encoding: chunked\r\n";
          bodyBytes = chunkedWith(m, bodyBytes);
        }
        case "invalid-utf8" -> bodyBytes = withInvalidUtf8(bodyBytes);
        case "deep-nesting" -> bodyBytes = deepNesting();
        case "garbage-status" -> head = randomAscii(1 + random.nextInt(40)) + "\r\nContent-Type: application/json\r\n";
        case "huge-status" -> head = "HTTP/1.1 " + (random.nextBoolean() ? "99999999999" : "-1") + " What\r\nContent-Type: application/json\r\n";
        case "no-reason" -> head = head.replaceFirst(" [A-Za-z ]+\r\n", "\r\n");
        case "http10" -> head = head.replace("HTTP/1.1", random.nextBoolean() ? "HTTP/1.0" : "HTTP/2.0");
        case "bad-header" -> head += switch (random.nextInt(4)) {
          case 0 -> "NoColonHere\r\n";
          case 1 -> "X-Null: a\u0000b\r\n";
          case 2 -> " folded: continuation\r\n";
          default -> ": empty-name\r\n";
        };
        case "long-header" -> head += "X-Long: " + "a".repeat(1 + random.nextInt(100_000)) + "\r\n";
        case "retry-after-garbage" -> {
          head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n";
          head += "Retry-After: " + List.of("-5", "99999999999999999999", "Wed, 99 Foo 2026", "1e9", "\u00ff", "0.5")
              .get(random.nextInt(6)) + "\r\n";
        }
        case "hang" -> hang = true;
        default -> { } // byte-level mutations apply to the whole answer below
      }
    }
    if (chunked && !framing.contains("chunked")) {
      chunked = false;
    }
    byte[] payload = chunked && !mutations.toString().contains("chunk") ? chunk(bodyBytes) : bodyBytes;
    whole = concat((head + framing + "\r\n").getBytes(StandardCharsets.ISO_8859_1), payload);
    for (String m : mutations.toString().split("\\+")) {
      whole = switch (m) {
        case "truncate" -> Arrays.copyOf(whole, random.nextInt(whole.length + 1));
        case "bitflip" -> flipBits(whole);
        case "insert-bytes" -> insertBytes(whole);
        case "empty" -> new byte[0];
        default -> whole;
      };
    }
    return new Case(index++, mutations.toString(), whole, hang);
  }

  private static byte[] chunk(byte[] body) {
    String size = Integer.toHexString(body.length);
    return concat((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1), body, "\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
  }

  private byte[] chunkedWith(String how, byte[] body) {
    String size = switch (how) {
      case "bad-chunk-size" -> List.of("zz", "-1", "", "0x10", "1;ext=\"unterminated").get(random.nextInt(5));
      case "huge-chunk-size" -> List.of("ffffffffffffffff", "7fffffffffffffff", "100000000000000000").get(random.nextInt(3));
      default -> Integer.toHexString(body.length);
    };
    String tail = how.equals("chunk-no-crlf") ? "0\r\n\r\n" : "\r\n0\r\n\r\n";
    return concat((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1), body, tail.getBytes(StandardCharsets.ISO_8859_1));
  }

  private byte[] withInvalidUtf8(byte[] body) {
    byte[] out = body.clone();
    byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88}};
    int at = out.length == 0 ? 0 : random.nextInt(out.length);
    byte[] b = bad[random.nextInt(bad.length)];
    return concat(Arrays.copyOf(out, at), b, Arrays.copyOfRange(out, at, out.length));
  }

  private byte[] deepNesting() {
    int depth = 500 + random.nextInt(20_000); // Jackson refuses more than 1000 levels
    String open = random.nextBoolean() ? "[" : "{\"a\":";
    StringBuilder s = new StringBuilder("{\"id\":1,\"extra\":");
    s.append(open.repeat(depth));
    s.append(open.equals("[") ? "]".repeat(depth) : "1" + "}".repeat(depth));
    s.append('}');
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  private String randomAscii(int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append((char) (0x20 + random.nextInt(0x5f)));
    }
    return s.toString();
  }

  private byte[] flipBits(byte[] in) {
    byte[] out = in.clone();
    int flips = 1 + random.nextInt(8);
    for (int i = 0; i < flips && out.length > 0; i++) {
      out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
    }
    return out;
  }

  private byte[] insertBytes(byte[] in) {
    byte[] extra = new byte[1 + random.nextInt(16)];
    random.nextBytes(extra);
    int at = random.nextInt(in.length + 1);
    return concat(Arrays.copyOf(in, at), extra, Arrays.copyOfRange(in, at, in.length));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
