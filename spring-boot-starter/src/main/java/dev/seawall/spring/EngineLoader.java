package dev.seawall.spring;

import dev.seawall.core.ConfigSource;
import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.config.ConfigException;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.ConfigurableEnvironment;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Finds the one configuration the starter serves and builds its engine: {@code seawall.config} (a location, as the
 * filter's {@code config} init-param), or the keys written inline under {@code seawall:}, or
 * {@code classpath:seawall.yaml}. Both a location and inline keys is an error; none of the three is an error too (set
 * {@code seawall.enabled=false} to run without Seawall). Every failure is a {@link ConfigException}, which
 * {@link SeawallFailureAnalyzer} prints whole as Spring Boot's start-up failure report.
 *
 * <p>Stateless; called once at start-up.
 */
final class EngineLoader {

    private static final Logger LOG = LoggerFactory.getLogger(EngineLoader.class);
    static final String DEFAULT_RESOURCE = "seawall.yaml";
    private static final String SPRING = "application properties";

    private EngineLoader() {
    }

    static LiveSeawall load(SeawallProperties properties, ConfigurableEnvironment environment,
                            MeterRegistry registry) {
        return load(properties, environment, registry, java.util.List.of(), null);
    }

    /**
     * @param listeners    the application's {@code SeawallListener} beans, in their {@code @Order}
     * @param observations the application's {@code ObservationRegistry}, or null
     */
    static LiveSeawall load(SeawallProperties properties, ConfigurableEnvironment environment,
                            MeterRegistry registry, java.util.List<dev.seawall.core.event.SeawallListener> listeners,
                            io.micrometer.observation.ObservationRegistry observations) {
        InlineConfig inline = new InlineConfig(environment);
        InlineConfig.Rendering rendering = inline.render();
        if (!rendering.ignoredEnvironment().isEmpty()) {
            LOG.warn("Seawall: environment variables are not read as inline configuration ({}): their names cannot"
                    + " say where a list index or a dashed key ends; point SEAWALL_CONFIG at a file instead",
                    String.join(", ", rendering.ignoredEnvironment()));
        }
        String location = properties.getConfig();
        ConfigSource source;
        if (location != null && !location.isBlank()) {
            if (rendering.present()) {
                String first = rendering.origins().keySet().iterator().next();
                throw new ConfigException(SPRING, 0, "seawall.config", "is set, and Seawall keys are written inline"
                        + " too (seawall." + first + "): configure Seawall in one place, the file or the inline keys");
            }
            source = locate(location.trim());
        } else if (rendering.present()) {
            source = inline;
        } else {
            source = classpath(DEFAULT_RESOURCE);
            if (source == null) {
                throw new ConfigException(SPRING, 0, "seawall", "no Seawall configuration was found: add "
                        + DEFAULT_RESOURCE + " to the class path, set seawall.config to a file, or write the keys"
                        + " inline under seawall: (or set seawall.enabled=false)");
            }
        }
        String text;
        try {
            text = source.read();
        } catch (IOException e) {
            throw new ConfigException(SPRING, 0, "seawall.config", source.name() + " could not be read: "
                    + e.getMessage());
        }
        Seawall engine;
        try {
            Seawall.Builder b = Seawall.builder().yaml(source.name(), text).meterRegistry(registry);
            listeners.forEach(b::listener);
            if (observations != null) {
                b.observationRegistry(observations);
            }
            engine = b.build();
        } catch (ConfigException e) {
            throw source.explain(e);
        }
        LiveSeawall live = new LiveSeawall(engine, source, text, registry, Clock.systemUTC());
        Duration watch;
        try {
            watch = SeawallProperties.watchInterval(properties.getWatch());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SPRING, 0, "seawall.watch", "\"" + properties.getWatch().trim()
                    + "\" is not a duration (like 5s) or off");
        }
        if (watch != null && live.watch(watch)) {
            LOG.info("Seawall: watching {} for changes every {}", source.name(), properties.getWatch().trim());
        }
        LOG.info("Seawall: {} polic{} loaded from {}", engine.policies().size(),
                engine.policies().size() == 1 ? "y" : "ies", source == inline ? InlineConfig.NAME : location == null
                        ? "classpath:" + DEFAULT_RESOURCE : location);
        return live;
    }

    /** {@code classpath:...}, {@code file:...} or a file path, as the filter's {@code config} init-param reads it. */
    static ConfigSource locate(String location) {
        if (location.startsWith("classpath:")) {
            String resource = location.substring("classpath:".length());
            while (resource.startsWith("/")) {
                resource = resource.substring(1);
            }
            ConfigSource found = classpath(resource);
            if (found == null) {
                throw new ConfigException(SPRING, 0, "seawall.config", location + " was not found on the class path");
            }
            return found;
        }
        Path file;
        try {
            file = location.startsWith("file://") ? Path.of(URI.create(location))
                    : Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
        } catch (RuntimeException e) {
            throw new ConfigException(SPRING, 0, "seawall.config", "\"" + location + "\" is not a file path or a"
                    + " classpath: location");
        }
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(SPRING, 0, "seawall.config", location + " was not found as a file (looked for "
                    + file.toAbsolutePath().normalize() + "; working directory " + Path.of("").toAbsolutePath() + ")");
        }
        return ConfigSource.file(file);
    }

    private static ConfigSource classpath(String resource) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader loader = context != null ? context : EngineLoader.class.getClassLoader();
        if (loader.getResource(resource) == null) {
            return null;
        }
        int slash = resource.lastIndexOf('/');
        String name = slash >= 0 ? resource.substring(slash + 1) : resource;
        return ConfigSource.resource(name, () -> loader.getResourceAsStream(resource));
    }
}
