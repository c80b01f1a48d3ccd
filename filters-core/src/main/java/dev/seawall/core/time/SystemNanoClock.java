package dev.seawall.core.time;

/** {@link System#nanoTime()} behind the {@link NanoClock} SPI. Thread-safe. */
enum SystemNanoClock implements NanoClock {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }
}
