package dev.seawall.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads one configuration file for a command, bounded: a missing file, a directory, a file larger than
 * {@value #MAX_BYTES} bytes, a binary file or one that is not UTF-8 is refused with a one-line reason, and at most
 * {@value #MAX_BYTES} bytes plus one are ever read (a device or a growing file cannot make the tool read forever).
 * Immutable and thread-safe.
 *
 * @param name the name errors cite: the path as given on the command line
 * @param text the file's text, or null when it could not be read
 * @param error why it could not be read, or null
 */
record InputFile(String name, String text, String error) {

    /** 4 MiB: the loader reads at most a million characters, which UTF-8 writes in at most 4 bytes each. */
    static final int MAX_BYTES = 4 * 1024 * 1024;

    boolean readable() {
        return text != null;
    }

    static InputFile read(String arg) {
        Path path;
        try {
            path = Path.of(arg);
        } catch (RuntimeException e) {
            return new InputFile(arg, null, "not a valid path");
        }
        if (Files.isDirectory(path)) {
            return new InputFile(arg, null, "is a directory (expected a YAML file)");
        }
        if (!Files.exists(path)) {
            return new InputFile(arg, null, "no such file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return new InputFile(arg, null, "no such file");
        } catch (IOException e) {
            return new InputFile(arg, null, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (bytes.length > MAX_BYTES) {
            return new InputFile(arg, null, "is too large (more than " + MAX_BYTES + " bytes)");
        }
        for (byte b : bytes) {
            if (b == 0) {
                return new InputFile(arg, null, "is not a text file (it holds NUL bytes)");
            }
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            return new InputFile(arg, text, null);
        } catch (CharacterCodingException e) {
            return new InputFile(arg, null, "is not UTF-8 text");
        }
    }
}
