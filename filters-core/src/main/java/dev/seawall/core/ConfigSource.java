package dev.seawall.core;

import dev.seawall.core.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Where a YAML configuration is read from, again on every reload. Implementations are thread-safe.
 */
public interface ConfigSource {

    /** Larger configuration files are refused before parsing: they are mistakes or attacks, not policies. */
    int MAX_BYTES = 1024 * 1024;

    /** @return the name errors cite, e.g. {@code seawall.yaml} */
    String name();

    /** @return the current text */
    String read() throws IOException;

    /**
     * @return something that changes when the text may have changed (a file's modification time and size), or
     *         null when the source cannot tell cheaply and must not be watched (a class-path resource)
     */
    default Object version() {
        return null;
    }

    /**
     * Restates a configuration error of this source's text for an operator. A source that renders its text from
     * somewhere else (a framework's own properties) cites the places the values really came from; a file cites
     * itself, so the default returns {@code error} unchanged.
     */
    default ConfigException explain(ConfigException error) {
        return error;
    }

    /** A file, watched by its modification time and size. */
    static ConfigSource file(Path file) {
        Objects.requireNonNull(file, "file");
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        return new ConfigSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String read() throws IOException {
                try (InputStream in = Files.newInputStream(file)) {
                    return readBounded(in, file.toString());
                }
            }

            @Override
            public Object version() {
                try {
                    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                    return a.lastModifiedTime().toMillis() + ":" + a.size();
                } catch (IOException e) {
                    return "unreadable"; // a file being replaced; the next poll sees the new one
                }
            }

            @Override
            public String toString() {
                return file.toString();
            }
        };
    }

    /** Opens a stream on a resource; null when the resource is gone. */
    @FunctionalInterface
    interface Opener {
        InputStream open() throws IOException;
    }

    /**
     * A resource (class path, servlet context) re-read on every reload. It has no cheap version, so it is not
     * watched; an explicit reload reads it again.
     *
     * @param name the name errors cite
     */
    static ConfigSource resource(String name, Opener opener) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(opener, "opener");
        return new ConfigSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String read() throws IOException {
                try (InputStream in = opener.open()) {
                    if (in == null) {
                        throw new IOException("the resource is gone");
                    }
                    return readBounded(in, name);
                }
            }
        };
    }

    /**
     * Reads at most {@link #MAX_BYTES} bytes as UTF-8.
     *
     * @throws IOException when the stream is longer, naming {@code what}
     */
    static String readBounded(InputStream in, String what) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out.size() + n > MAX_BYTES) {
                throw new IOException("config " + what + " is larger than " + MAX_BYTES + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
