package dev.seawall.servlet;

import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLocatorTest {

    @Test
    void readsAClasspathResourceAndNamesItByItsFileName() throws Exception {
        ConfigLocator.Located l = ConfigLocator.locate("classpath:locator/sample.yaml", null);
        assertThat(l.sourceName()).isEqualTo("sample.yaml");
        assertThat(l.text()).contains("policies");
    }

    @Test
    void readsAFilePath(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mine.yaml");
        Files.writeString(f, "policies: []\n");
        ConfigLocator.Located l = ConfigLocator.locate(f.toString(), null);
        assertThat(l.sourceName()).isEqualTo("mine.yaml");
        assertThat(l.text()).isEqualTo("policies: []\n");
    }

    @Test
    void missingConfigurationFailsWithAClearMessage() {
        assertThatThrownBy(() -> ConfigLocator.locate("classpath:nope.yaml", null))
                .isInstanceOf(ServletException.class).hasMessageContaining("classpath:nope.yaml");
        assertThatThrownBy(() -> ConfigLocator.locate("/no/such/seawall.yaml", null))
                .isInstanceOf(ServletException.class).hasMessageContaining("/no/such/seawall.yaml");
    }

    @Test
    void refusesHugeFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("huge.yaml");
        Files.writeString(f, "#".repeat(ConfigLocator.MAX_BYTES + 1));
        assertThatThrownBy(() -> ConfigLocator.locate(f.toString(), null))
                .isInstanceOf(ServletException.class).hasMessageContaining("larger than");
    }
}
