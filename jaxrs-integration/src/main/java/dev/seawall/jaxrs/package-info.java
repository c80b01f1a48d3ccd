/**
 * JAX-RS (Jakarta REST 3.1) integration: {@code SeawallFeature} and the stage annotations. The module
 * exists so that the build and the layout are fixed; its classes arrive with the JAX-RS issue.
 */
package dev.seawall.jaxrs;
