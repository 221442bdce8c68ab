// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Maps files, touches some of their pages, deletes them and holds the
// MappedByteBuffers until told to drop them: the JVM leak mapwatch release frees.
// usage: java Holder.java DIR FILES PAGES TOUCHED
// stdin: "drop" forgets the buffers (they await a GC); end of input exits.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class Holder {
    static final int PAGE = 4096;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int files = Integer.parseInt(args[1]);
        int pages = Integer.parseInt(args[2]);
        int touched = Integer.parseInt(args[3]);
        List<MappedByteBuffer> held = new ArrayList<>();

        for (int i = 0; i < files; i++) {
            Path path = dir.resolve(String.format("%020d.index", i * 1000L));
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                file.setLength((long) pages * PAGE);
                MappedByteBuffer buffer =
                        file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, (long) pages * PAGE);
                for (int page = 0; page < touched; page++)
                    buffer.put(page * PAGE, (byte) 1);
                held.add(buffer);
            }
            Files.delete(path);
        }
        System.out.println("ready " + ProcessHandle.current().pid());
        System.out.flush();
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = input.readLine()) != null;) {
            if (line.equals("drop")) {
                held.clear();
                System.out.println("dropped");
                System.out.flush();
            }
        }
    }
}
