package dev.seawall.core.testing;

import dev.seawall.core.ConfigSource;

/** A configuration source a test rewrites: its text and its version are plain fields. Thread-safe (volatile). */
public final class TextSource implements ConfigSource {

    private final String name;
    public volatile String text;
    public volatile int version;

    public TextSource(String name, String text) {
        this.name = name;
        this.text = text;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String read() {
        return text;
    }

    @Override
    public Object version() {
        return version;
    }
}
