package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * One call of a Seawall filter: the engine in service for it and the container's request, response and chain.
 * Immutable; confined to the request like its parts.
 */
record ServletCall(Seawall engine, HttpServletRequest request, HttpServletResponse response, FilterChain chain) {
}
