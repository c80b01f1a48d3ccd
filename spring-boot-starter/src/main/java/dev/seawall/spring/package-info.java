/**
 * Spring Boot auto-configuration for Seawall (API: {@link dev.seawall.spring.SeawallProperties}, the Actuator
 * endpoint {@link dev.seawall.spring.SeawallEndpoint}, {@link dev.seawall.spring.SeawallFailureAnalyzer}; the
 * auto-configuration classes are public only because Spring Boot loads them by name). Everything package-private is
 * internal. Thread-safety is stated on each type.
 */
package dev.seawall.spring;
