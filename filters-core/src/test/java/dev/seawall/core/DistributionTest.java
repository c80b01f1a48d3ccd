package dev.seawall.core;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What users import stays whole: {@code seawall-bom} manages every shipped module at the reactor's version, and
 * carries the same project metadata as the parent it cannot inherit from (a BOM with a parent would hand the
 * parent's own dependency pins to every build that imports it).
 */
class DistributionTest {

    /** The repository's root: this test runs in filters-core's directory. */
    private static final Path ROOT = Path.of("..");

    /** The modules whose jars Seawall publishes, each with its sources and javadoc jars: directory, artifactId. */
    private static final Map<String, String> SHIPPED = Map.of("filters-core", "filters-core",
            "servlet-integration", "servlet-integration", "jaxrs-integration", "jaxrs-integration",
            "client-integration", "client-integration", "redis-store", "redis-store", "spring-boot-starter", "seawall-spring-boot-starter");

    private static Document pom(String dir) throws Exception {
        Path file = ROOT.resolve(dir).resolve("pom.xml");
        assertThat(file).exists();
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(file.toFile());
    }

    /** @return the text of the project's direct child element {@code name}, or null */
    private static String child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().strip();
            }
        }
        return null;
    }

    private static Element element(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    @Test
    void theBomManagesEveryShippedModuleAtTheReactorVersion() throws Exception {
        Element parent = pom(".").getDocumentElement();
        Element bom = pom("seawall-bom").getDocumentElement();

        assertThat(element(bom, "parent")).as("seawall-bom has no parent").isNull();
        assertThat(child(bom, "groupId")).isEqualTo(child(parent, "groupId"));
        assertThat(child(bom, "artifactId")).isEqualTo("seawall-bom");
        assertThat(child(bom, "version")).as("seawall-bom's version follows the parent's")
                .isEqualTo(child(parent, "version"));
        assertThat(child(bom, "packaging")).isEqualTo("pom");

        List<String> managed = new ArrayList<>();
        NodeList deps = element(element(bom, "dependencyManagement"), "dependencies").getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            assertThat(child(d, "groupId")).isEqualTo("dev.seawall");
            assertThat(child(d, "version")).isEqualTo("${project.version}");
            managed.add(child(d, "artifactId"));
        }
        assertThat(managed).containsExactlyInAnyOrderElementsOf(SHIPPED.values());
    }

    @Test
    void theBomCarriesTheParentsProjectMetadata() throws Exception {
        Element parent = pom(".").getDocumentElement();
        Element bom = pom("seawall-bom").getDocumentElement();
        for (String name : List.of("url", "licenses", "developers", "scm", "issueManagement")) {
            assertThat(child(parent, name)).as("parent " + name).isNotBlank();
            assertThat(child(bom, name)).as("seawall-bom " + name).isEqualTo(child(parent, name));
        }
        assertThat(ROOT.resolve("LICENSE")).exists();
        assertThat(Files.readString(ROOT.resolve("LICENSE"))).contains("Apache License", "Version 2.0, January 2004");
    }

    @Test
    void everyShippedModuleIsInTheReactorAndPublishesSourcesAndJavadoc() throws Exception {
        String modules = child(pom(".").getDocumentElement(), "modules");
        assertThat(modules).contains("seawall-bom");
        for (Map.Entry<String, String> module : SHIPPED.entrySet()) {
            assertThat(modules).contains(module.getKey());
            String pom = Files.readString(ROOT.resolve(module.getKey()).resolve("pom.xml"));
            assertThat(child(pom(module.getKey()).getDocumentElement(), "artifactId")).isEqualTo(module.getValue());
            assertThat(pom).as(module.getKey()).contains("<artifactId>maven-source-plugin</artifactId>",
                    "<artifactId>maven-javadoc-plugin</artifactId>",
                    "<Automatic-Module-Name>${seawall.module.name}</Automatic-Module-Name>",
                    "<seawall.module.name>dev.seawall.");
        }
    }

    @Test
    void theSpringBootTestsTestTheReactorsVersion() throws Exception {
        String version = child(pom(".").getDocumentElement(), "version");
        for (String line : List.of("spring-boot-tests/boot4", "spring-boot-tests/boot3")) {
            Element project = pom(line).getDocumentElement();
            assertThat(child(element(project, "properties"), "seawall.version")).as(line).isEqualTo(version);
            assertThat(child(element(project, "parent"), "artifactId")).as(line)
                    .isEqualTo("spring-boot-starter-parent");
        }
        // the starter compiles against the Boot line its newest tests run on
        assertThat(child(element(pom("spring-boot-tests/boot4").getDocumentElement(), "parent"), "version"))
                .isEqualTo(child(element(pom(".").getDocumentElement(), "properties"), "spring-boot.version"));
    }
}
