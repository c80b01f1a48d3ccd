package dev.seawall.core.config;

/** An inclusive range of HTTP statuses, e.g. 500-599. Immutable and thread-safe. */
public record StatusRange(int from, int to) {

    public StatusRange {
        if (from < 100 || to > 599 || from > to) {
            throw new IllegalArgumentException("status range " + from + "-" + to + " is not within 100-599");
        }
    }

    public boolean contains(int status) {
        return status >= from && status <= to;
    }

    @Override
    public String toString() {
        return from == to ? Integer.toString(from) : from + "-" + to;
    }
}
