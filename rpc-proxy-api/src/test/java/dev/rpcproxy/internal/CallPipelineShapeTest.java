package dev.rpcproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Guards the shape a blocking rejection's speed depends on (see {@link CallPipeline#invoke}): the
 * pipeline's entry must stay too large for HotSpot to inline into the proxy's handler (more than
 * {@code FreqInlineSize}, 325 bytes of bytecode), or the handler is compiled big again, cannot be
 * inlined into the caller, and every thrown rejection costs a frame unwind (about 2x, measured in
 * benchmarks/RESULTS.md). A refactoring that moves code out into helpers trips this first.
 */
class CallPipelineShapeTest {
  private static final int FREQ_INLINE_SIZE = 325;

  @Test
  void thePipelineEntryIsTooLargeToInlineIntoTheHandler() throws IOException {
    assertThat(bytecodeLength(CallPipeline.class, "invoke",
        "(Ldev/rpcproxy/internal/MethodPlan;[Ljava/lang/Object;)Ljava/lang/Object;"))
        .as("bytes of bytecode of CallPipeline.invoke").isGreaterThan(FREQ_INLINE_SIZE);
  }

  /** The {@code code_length} of a method's {@code Code} attribute, read from its class file (JVMS 4). */
  private static int bytecodeLength(Class<?> type, String name, String descriptor) throws IOException {
    try (InputStream raw = type.getResourceAsStream(type.getSimpleName() + ".class");
        DataInputStream in = new DataInputStream(raw)) {
      in.readInt(); // magic
      in.readInt(); // minor, major
      int count = in.readUnsignedShort();
      String[] utf8 = new String[count];
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> utf8[i] = in.readUTF();
          case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
          case 15 -> in.skipNBytes(3);
          case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
          case 5, 6 -> {
            in.skipNBytes(8);
            i++; // takes two entries
          }
          default -> throw new IOException("constant pool tag " + tag);
        }
      }
      in.skipNBytes(6); // access, this, super
      in.skipNBytes(2L * in.readUnsignedShort()); // interfaces
      skipMembers(in); // fields
      int methods = in.readUnsignedShort();
      for (int m = 0; m < methods; m++) {
        in.skipNBytes(2); // access
        boolean wanted = name.equals(utf8[in.readUnsignedShort()]) & descriptor.equals(utf8[in.readUnsignedShort()]);
        int attributes = in.readUnsignedShort();
        for (int a = 0; a < attributes; a++) {
          String attribute = utf8[in.readUnsignedShort()];
          int length = in.readInt();
          if (wanted && attribute.equals("Code")) {
            in.skipNBytes(4); // max_stack, max_locals
            return in.readInt();
          }
          in.skipNBytes(length);
        }
      }
      throw new AssertionError(type.getName() + "." + name + descriptor + " not found");
    }
  }

  private static void skipMembers(DataInputStream in) throws IOException {
    int members = in.readUnsignedShort();
    for (int m = 0; m < members; m++) {
      in.skipNBytes(6); // access, name, descriptor
      int attributes = in.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        in.skipNBytes(2);
        in.skipNBytes(in.readInt());
      }
    }
  }
}
